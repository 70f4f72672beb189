using System.Buffers;
using System.Runtime.ExceptionServices;
using Mkcdrec.Core.Platform;
using Mkcdrec.Formats.Tar;

namespace Mkcdrec.Core.Archive;

/// <summary>A small file read whole from the archive, waiting to be written: its target path, metadata and content (pooled).</summary>
internal sealed record PendingFile(byte[] Path, TarEntry Entry, byte[]? Data, int Length);

/// <summary>
/// Threads that create small files while the extractor reads on: with many small files a restore is bound by the
/// kernel's work per file (create, write, owner, mode, times), which one thread does one file at a time. Files are
/// written in any order; <see cref="Drain"/> waits for all of them, before anything that depends on a file being
/// there (a hard link to it, an increment's deletions, a directory's final times).
/// </summary>
internal sealed class FileWriterPool : IDisposable
{
    /// <summary>Content held in the queue at most: bounds the memory of a restore (the rescue system's RAM is small).</summary>
    private const long MaxQueuedBytes = 32 << 20;

    private const int MaxQueuedFiles = 1024;

    private readonly Queue<PendingFile> _queue = new();
    private readonly Thread[] _threads;
    private readonly Action<PendingFile> _write;
    private readonly Action<PendingFile, FileSystemException> _failed;
    private long _queuedBytes;
    private int _busy;
    private bool _stopping;
    private Exception? _fault;

    /// <param name="write">Writes one file (on a pool thread).</param>
    /// <param name="failed">A file-system error of one file: reported as a problem of that file (called under the pool's lock, one at a time).</param>
    public FileWriterPool(int threads, Action<PendingFile> write, Action<PendingFile, FileSystemException> failed)
    {
        _write = write;
        _failed = failed;
        _threads = new Thread[threads];
        for (var i = 0; i < threads; i++)
        {
            _threads[i] = new Thread(Work) { IsBackground = true, Name = "file writer " + (i + 1) };
            _threads[i].Start();
        }
    }

    /// <summary>Writers for this machine: one per CPU, at least two (the kernel's work overlaps even on one CPU), at most eight.</summary>
    public static int DefaultThreads => Math.Clamp(Environment.ProcessorCount, 2, 8);

    /// <summary>Queues a file; waits while the queue is full. A writer's unexpected failure is thrown here.</summary>
    public void Add(PendingFile f)
    {
        lock (_queue)
        {
            while (_fault is null && _queue.Count > 0 && (_queue.Count >= MaxQueuedFiles || _queuedBytes + f.Length > MaxQueuedBytes))
            {
                Monitor.Wait(_queue);
            }

            ThrowFault();
            _queue.Enqueue(f);
            _queuedBytes += f.Length;
            Monitor.PulseAll(_queue);
        }
    }

    /// <summary>Waits until every queued file is written.</summary>
    public void Drain()
    {
        lock (_queue)
        {
            while (_fault is null && (_queue.Count > 0 || _busy > 0))
            {
                Monitor.Wait(_queue);
            }

            ThrowFault();
        }
    }

    /// <summary>Stops the writers: what is still queued is dropped (after a failure nothing more is written).</summary>
    public void Dispose()
    {
        lock (_queue)
        {
            _stopping = true;
            while (_queue.TryDequeue(out var f))
            {
                Release(f);
            }

            Monitor.PulseAll(_queue);
        }

        foreach (var t in _threads)
        {
            t.Join();
        }
    }

    private void Work()
    {
        while (true)
        {
            PendingFile f;
            lock (_queue)
            {
                while (!_stopping && _queue.Count == 0)
                {
                    Monitor.Wait(_queue);
                }

                if (!_queue.TryDequeue(out f!))
                {
                    return; // stopping
                }

                _queuedBytes -= f.Length;
                _busy++;
                Monitor.PulseAll(_queue); // room for the reader
            }

            try
            {
                _write(f);
            }
            catch (FileSystemException ex)
            {
                lock (_queue)
                {
                    _failed(f, ex);
                }
            }
            catch (Exception ex)
            {
                lock (_queue)
                {
                    _fault ??= ex;
                }
            }
            finally
            {
                Release(f);
                lock (_queue)
                {
                    _busy--;
                    Monitor.PulseAll(_queue);
                }
            }
        }
    }

    private static void Release(PendingFile f)
    {
        if (f.Data is not null)
        {
            ArrayPool<byte>.Shared.Return(f.Data);
        }
    }

    private void ThrowFault()
    {
        if (_fault is not null)
        {
            ExceptionDispatchInfo.Capture(_fault).Throw();
        }
    }
}
