using Mkcdrec.Core.Archive;

namespace Mkcdrec.Core.Tests.Archive;

public sealed class WriteBehindStreamTests
{
    private sealed class FailingStream(long failAt) : MemoryStream
    {
        public override void Write(byte[] buffer, int offset, int count)
        {
            if (Length + count > failAt)
            {
                throw new IOException("No space left on device");
            }

            base.Write(buffer, offset, count);
        }
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 7)]
    [InlineData(5_000_000, 3)]
    [InlineData(1 << 20, 1 << 20)]
    [InlineData(3_333_333, 65_537)]
    public void Everything_written_arrives_in_order(int total, int maxChunk)
    {
        var data = new byte[total];
        new Random(total).NextBytes(data);
        var target = new MemoryStream();
        var rnd = new Random(maxChunk);
        using (var w = new WriteBehindStream(target, bufferSize: 64 << 10, buffers: 3))
        {
            var pos = 0;
            while (pos < total)
            {
                var n = Math.Min(total - pos, rnd.Next(1, maxChunk + 1));
                w.Write(data, pos, n);
                pos += n;
            }

            w.Complete();
        }

        Assert.Equal(data, target.ToArray());
    }

    [Fact]
    public void An_error_of_the_target_is_raised_to_the_writer_and_by_complete()
    {
        using var w = new WriteBehindStream(new FailingStream(200_000), bufferSize: 64 << 10, buffers: 2);
        var buf = new byte[10_000];
        var e = Record.Exception(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                w.Write(buf);
            }
        });
        Assert.IsType<IOException>(e);
        Assert.Contains("No space left", e.Message, StringComparison.Ordinal);
        Assert.Throws<IOException>(w.Complete);
    }

    [Fact]
    public void Abort_stops_without_writing_the_rest_and_never_hangs()
    {
        var target = new MemoryStream();
        var w = new WriteBehindStream(target, bufferSize: 1024, buffers: 2);
        w.Write(new byte[100]);
        w.Abort();
        w.Dispose();
        Assert.Equal(0, target.Length); // the partial buffer was never handed over
        Assert.Throws<ObjectDisposedException>(() => w.Write(new byte[1]));
    }
}
