using System.Collections.Concurrent;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Archive;

/// <summary>
/// Lists the directories a walk descends into, in the walk's order (depth first, names in byte order, never across a
/// mount point), on a thread of its own a few directories ahead: the lstat of every entry, the kernel's share of a
/// walk, then overlaps what is done per entry (an increment's parent manifest, archiving). The walk takes each
/// listing when it reaches the directory; one it does not descend into is dropped, and when the prefetch has ended
/// (or failed) the walk lists what is left itself.
/// </summary>
internal sealed class DirectoryPrefetch : IDisposable
{
    private readonly BlockingCollection<DirectoryListing> _ready;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;

    /// <param name="root">The walk's root directory (empty for "/"); <paramref name="rootStatus"/> its lstat (its device bounds the walk).</param>
    /// <param name="ahead">Listings read ahead at most: it bounds the memory, and how long before its visit an entry is
    /// stat'ed (a file changed in between is archived as it is then, and a change after the stat is noted).</param>
    public DirectoryPrefetch(DirectoryLister lister, byte[] root, int relStart, FileStatus rootStatus, int ahead)
    {
        _ready = new BlockingCollection<DirectoryListing>(ahead);
        _thread = new Thread(() => Run(lister, root, relStart, rootStatus)) { IsBackground = true, Name = "mkcdrec walk" };
        _thread.Start();
    }

    /// <summary>The listing of <paramref name="dir"/>, skipping those of directories the walk did not descend into; null when none is left.</summary>
    public DirectoryListing? Take(ReadOnlySpan<byte> dir)
    {
        while (_ready.TryTake(out var listing, Timeout.Infinite))
        {
            if (listing.Path.AsSpan().SequenceEqual(dir))
            {
                return listing;
            }
        }

        return null;
    }

    public void Dispose()
    {
        _stop.Cancel();
        while (_ready.TryTake(out _))
        {
        }

        _thread.Join();
        _ready.Dispose();
        _stop.Dispose();
    }

    private void Run(DirectoryLister lister, byte[] root, int relStart, FileStatus rootStatus)
    {
        try
        {
            Produce(lister, root, relStart, rootStatus);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception)
        {
            // Whatever failed here, the walk lists what is left itself and meets the error there, on its own thread
            // (an exception escaping this thread would end the process).
        }
        finally
        {
            _ready.CompleteAdding();
        }
    }

    private void Produce(DirectoryLister lister, byte[] dir, int relStart, in FileStatus rootStatus)
    {
        var listing = lister.List(dir, relStart);
        _ready.Add(listing, _stop.Token);
        foreach (var c in listing.Children)
        {
            if (c.Status.Type == FileStatus.Directory && c.Status.SameDevice(rootStatus))
            {
                Produce(lister, DirectoryLister.Child(dir, c.Name), relStart, rootStatus);
            }
        }
    }
}
