namespace Mkcdrec.Core.Archive;

/// <summary>
/// Several archives as one run for the progress line (a backup is one archive per filesystem): each archive counts from
/// zero, this adds what the archives before it did, so the bytes, the share and the time left are the whole run's.
/// </summary>
public sealed class RunningTotalEvents(IArchiveEvents inner) : IArchiveEvents
{
    private long _entries;
    private long _bytes;
    private long _archiveEntries;
    private long _archiveBytes;

    /// <summary>The archive reported so far is finished: the next one's counts add to it.</summary>
    public void NextArchive()
    {
        _entries += _archiveEntries;
        _bytes += _archiveBytes;
        _archiveEntries = _archiveBytes = 0;
    }

    public void Progress(long entries, long bytes, string currentPath)
    {
        _archiveEntries = entries;
        _archiveBytes = bytes;
        inner.Progress(_entries + entries, _bytes + bytes, currentPath);
    }

    public void Totals(long entries, long bytes) => inner.Totals(entries, bytes);

    public void Problem(string path, string message) => inner.Problem(path, message);

    public void Step(string message) => inner.Step(message);
}
