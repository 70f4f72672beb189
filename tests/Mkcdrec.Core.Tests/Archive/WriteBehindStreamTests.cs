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
    public void Exchanged_buffers_arrive_in_order_with_copied_writes_and_are_never_reused_while_queued()
    {
        const int Size = 64 << 10;
        var rnd = new Random(3);
        var expected = new MemoryStream();
        var target = new MemoryStream();
        using (var w = new WriteBehindStream(target, bufferSize: Size, buffers: 2))
        {
            var mine = new byte[Size];
            for (var i = 0; i < 300; i++)
            {
                var n = rnd.Next(1, Size + 1);
                rnd.NextBytes(mine.AsSpan(0, n));
                expected.Write(mine, 0, n);
                if (rnd.Next(3) == 0)
                {
                    w.Write(mine, 0, n); // copied: the next exchange finds bytes buffered and copies too
                    continue;
                }

                // the buffer we get back is filled with new bytes at once: had it still been queued, the target
                // would receive those instead of what was written, and the comparison below would fail
                var next = w.Exchange(mine, n);
                Assert.Equal(Size, next.Length);
                mine = next;
            }

            // a buffer of another size is copied, not taken
            var odd = new byte[1000];
            rnd.NextBytes(odd);
            expected.Write(odd);
            Assert.Same(odd, w.Exchange(odd, odd.Length));
            w.Complete();
        }

        Assert.Equal(expected.ToArray(), target.ToArray());
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
