using Mkcdrec.Core.Destinations;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Tests.Destinations;

/// <summary>An <see cref="IBackupStore"/> in memory that records the order files became visible and can fail a write.</summary>
internal sealed class MemoryBackupStore : IBackupStore, IAbandonedUploads
{
    /// <summary>Uploads begun and never finished that no listing shows (S3 multipart uploads), with when they began.</summary>
    public Dictionary<string, DateTimeOffset> Unfinished { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, (byte[] Data, DateTimeOffset Written)> Files { get; } = new(StringComparer.Ordinal);

    /// <summary>Names in the order they became visible (committed or put).</summary>
    public List<string> Visible { get; } = [];

    /// <summary>A write to a file whose name this matches fails after its first 512 KiB (a store gone mid-upload).</summary>
    public Func<string, bool> FailWriting { get; set; } = _ => false;

    public int Abandoned { get; private set; }

    public string Display => "memory://test";

    public IOutputFile Create(string name) => new Upload(this, name);

    public void Put(string name, ReadOnlyMemory<byte> data) => Add(name, data.ToArray());

    public IEnumerable<StoredFile> List(string prefix) =>
        [.. Files.Where(f => f.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(f => f.Key, StringComparer.Ordinal)
            .Select(f => new StoredFile(f.Key, f.Value.Data.Length, f.Value.Written))];

    public void Delete(string name) => Files.Remove(name);

    /// <summary>Every stream opened for reading breaks off (IOException) after this many bytes (a network hiccup).</summary>
    public long BreakReadsAfter { get; set; } = long.MaxValue;

    /// <summary>The offsets each file was opened for reading at, in order.</summary>
    public List<(string Name, long Offset)> Reads { get; } = [];

    /// <summary>The connection ended (an ssh gone): the next open connects anew, as an SFTP store does.</summary>
    public bool ConnectionBroken { get; set; }

    public Stream OpenRead(string name, long offset = 0)
    {
        lock (Reads)
        {
            Reads.Add((name, offset));
        }

        ConnectionBroken = false;
        return new BreakingStream(Files[name].Data, offset, BreakReadsAfter);
    }

    public IReadOnlyList<string> AbortAbandonedUploads(string prefix, DateTimeOffset startedBefore)
    {
        var old = Unfinished.Where(u => u.Key.StartsWith(prefix, StringComparison.Ordinal) && u.Value < startedBefore).Select(u => u.Key).Order(StringComparer.Ordinal).ToList();
        old.ForEach(u => Unfinished.Remove(u));
        return old;
    }

    public void Dispose()
    {
    }

    /// <summary>Puts a file as if an earlier run had written it at <paramref name="written"/>.</summary>
    public void Seed(string name, string content, DateTimeOffset written) => Files[name] = (System.Text.Encoding.UTF8.GetBytes(content), written);

    private void Add(string name, byte[] data)
    {
        Files[name] = (data, DateTimeOffset.UtcNow);
        Visible.Add(name);
    }

    private sealed class BreakingStream : MemoryStream
    {
        private readonly long _breakAfter;
        private long _given;

        public BreakingStream(byte[] data, long offset, long breakAfter)
            : base(data, writable: false)
        {
            Position = offset;
            _breakAfter = breakAfter;
        }

        // MemoryStream.Read(Span) of a derived class comes here through Stream's array copy.
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_given >= _breakAfter)
            {
                throw new IOException("connection reset by peer (test)");
            }

            var n = base.Read(buffer, offset, (int)Math.Min(count, _breakAfter - _given));
            _given += n;
            return n;
        }
    }

    private sealed class Upload(MemoryBackupStore store, string name) : IOutputFile
    {
        private readonly MemoryStream _data = new();
        private bool _done;

        public string Path => "memory://test/" + name;

        public bool BypassesPageCache => false;

        public void Write(ReadOnlySpan<byte> data)
        {
            if (store.FailWriting(name) && _data.Length + data.Length > 512 << 10)
            {
                throw new IOException($"the store went away while {name} was being written");
            }

            _data.Write(data);
        }

        public void Commit()
        {
            store.Add(name, _data.ToArray());
            _done = true;
        }

        public void Dispose()
        {
            if (!_done)
            {
                store.Abandoned++;
            }

            _done = true;
        }
    }
}
