using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Faces.Cli.Serving;

/// <summary>
/// Reads an upload into memory under time limits Kestrel does not give: nothing received for the idle limit, or the
/// whole body not in by the total limit, ends the read (Kestrel's minimum data rate is averaged over the whole body, so
/// a large first burst would keep a stalled connection open for hours). Multipart bodies are parsed from the bytes read.
/// </summary>
internal static class UploadReader
{
    /// <summary>How a read ended.</summary>
    public enum Outcome { Complete, TooLarge, Stalled, ClientGone }

    /// <summary>Reads at most <paramref name="limit"/> bytes of the body (<paramref name="expected"/> when the client said how many).</summary>
    public static async Task<(Outcome Outcome, byte[] Bytes)> ReadBody(HttpRequest request, long? expected, long limit, TimeSpan idle, TimeSpan total, CancellationToken aborted)
    {
        var buffer = new byte[expected is { } known ? (int)Math.Min(known, limit) : Math.Min(limit, 64 * 1024)];
        int filled = 0;
        using var overall = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        overall.CancelAfter(total);
        using var quiet = CancellationTokenSource.CreateLinkedTokenSource(overall.Token);
        try
        {
            while (true)
            {
                quiet.CancelAfter(idle);
                if (filled == buffer.Length)
                {
                    if (expected != null || buffer.Length >= limit)
                    {
                        // Full: the body must end here, or it is longer than it said (or than the limit).
                        var probe = new byte[1];
                        int extra = await request.Body.ReadAsync(probe, quiet.Token);
                        return extra == 0 ? (Outcome.Complete, buffer) : (Outcome.TooLarge, Array.Empty<byte>());
                    }
                    Array.Resize(ref buffer, (int)Math.Min(limit, (long)buffer.Length * 2));
                }
                int read = await request.Body.ReadAsync(buffer.AsMemory(filled), quiet.Token);
                if (read == 0) return (Outcome.Complete, filled == buffer.Length ? buffer : buffer[..filled]);
                filled += read;
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return (Outcome.ClientGone, Array.Empty<byte>());
        }
        catch (OperationCanceledException)
        {
            return (Outcome.Stalled, Array.Empty<byte>());
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (Outcome.TooLarge, Array.Empty<byte>());
        }
        catch (IOException) when (aborted.IsCancellationRequested)
        {
            return (Outcome.ClientGone, Array.Empty<byte>());
        }
    }

    /// <summary>
    /// The file of a multipart/form-data body held in <paramref name="body"/>: the field named "image", else the first
    /// file. Null when the form has no file; <see cref="InvalidDataException"/> when the body is not well-formed multipart.
    /// </summary>
    public static async Task<byte[]?> FormFile(string contentType, byte[] body)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var type) || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
            throw new InvalidDataException("The form has no multipart boundary.");
        var reader = new MultipartReader(boundary, new MemoryStream(body, writable: false)) { BodyLengthLimit = body.Length };
        byte[]? first = null;
        try
        {
            for (var section = await reader.ReadNextSectionAsync(); section != null; section = await reader.ReadNextSectionAsync())
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFileDisposition()) continue;
                using var content = new MemoryStream();
                await section.Body.CopyToAsync(content);
                if (HeaderUtilities.RemoveQuotes(disposition.Name).Value == "image") return content.ToArray();
                first ??= content.ToArray();
            }
        }
        catch (IOException e)
        {
            throw new InvalidDataException($"The form is not well-formed multipart: {e.Message}", e);
        }
        return first;
    }
}
