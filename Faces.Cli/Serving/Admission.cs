namespace Faces.Cli.Serving;

/// <summary>
/// Admission control: at most a set number of requests in flight and a set number of upload bytes held across all of
/// them. A request that does not fit is refused at once (503 with Retry-After) rather than queued, so a flood of slow or
/// large uploads cannot hold the server's memory or starve the requests already admitted.
/// </summary>
internal sealed class Admission(int maxRequests, long maxBytes)
{
    private int requests;
    private long bytes;

    /// <summary>Requests admitted now.</summary>
    public int Requests => Volatile.Read(ref requests);
    /// <summary>Bytes reserved now.</summary>
    public long Bytes => Interlocked.Read(ref bytes);

    /// <summary>Admits a request, or returns false when <c>maxRequests</c> are in flight.</summary>
    public bool TryEnter()
    {
        if (Interlocked.Increment(ref requests) <= maxRequests) return true;
        Interlocked.Decrement(ref requests);
        return false;
    }

    /// <summary>Ends an admitted request.</summary>
    public void Exit() => Interlocked.Decrement(ref requests);

    /// <summary>Reserves <paramref name="count"/> upload bytes, or returns false when they would pass <c>maxBytes</c>.</summary>
    public bool TryReserve(long count)
    {
        if (Interlocked.Add(ref bytes, count) <= maxBytes) return true;
        Interlocked.Add(ref bytes, -count);
        return false;
    }

    /// <summary>Returns bytes reserved by <see cref="TryReserve"/>.</summary>
    public void Release(long count) => Interlocked.Add(ref bytes, -count);
}
