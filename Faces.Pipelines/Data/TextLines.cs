using System.Text;

namespace Faces.Pipelines.Data;

/// <summary>
/// Reads a text file line by line with a limit on a line's length, so a file without line ends (/dev/zero, a binary
/// file given as CSV) is an error naming the file and line instead of a process that grows until it is killed.
/// </summary>
public static class TextLines
{
    /// <summary>1 Mi characters: ~100 times a FER2013 row (2,304 pixels) and ~40 times a row of 2,304 floats.</summary>
    public const int DefaultMaxLineLength = 1 << 20;

    /// <summary>The file's lines with their 1-based numbers.</summary>
    public static IEnumerable<(int Number, string Text)> Read(string path, int maxLineLength = DefaultMaxLineLength)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"File not found: {path}", path);
        using var reader = new StreamReader(path, Encoding.UTF8);
        var line = new StringBuilder();
        int number = 1;
        var buffer = new char[8192];
        int read;
        bool pendingCarriageReturn = false;
        while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            for (int i = 0; i < read; i++)
            {
                char c = buffer[i];
                if (pendingCarriageReturn)
                {
                    pendingCarriageReturn = false;
                    if (c == '\n') continue;
                }
                if (c is '\n' or '\r')
                {
                    pendingCarriageReturn = c == '\r';
                    yield return (number++, line.ToString());
                    line.Clear();
                    continue;
                }
                if (line.Length >= maxLineLength)
                    throw new InvalidDataException($"{path} line {number} is longer than {maxLineLength:N0} characters: not a text file of rows.");
                line.Append(c);
            }
        }
        if (line.Length > 0) yield return (number, line.ToString());
    }
}
