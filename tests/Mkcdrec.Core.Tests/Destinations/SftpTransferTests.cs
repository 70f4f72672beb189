using Mkcdrec.Core.Destinations;
using Mkcdrec.Core.Destinations.Sftp;

namespace Mkcdrec.Core.Tests.Destinations;

/// <summary>
/// Volumes to and from an SFTP server in the pieces it says it takes (limits@openssh.com), many in flight: every byte
/// in its place whatever the server does that OpenSSH's does not (shorter answers, answers out of order, no limits
/// extension), and a write the server refuses fails the volume, whose partial file is removed.
/// </summary>
public sealed class SftpTransferTests
{
    private static readonly SftpTarget Target = SftpTarget.From(DestinationUrl.Parse("sftp://backup@fake/srv"));

    private static byte[] Volume(int size)
    {
        var data = new byte[size];
        new Random(size).NextBytes(data);
        return data;
    }

    private static SftpBackupStore Connect(FakeSftpServer server) => new(SftpSession.Connect(Target, server), Target, server);

    private static void Upload(SftpBackupStore store, string name, byte[] data, int block)
    {
        using var f = store.Create(name);
        for (var at = 0; at < data.Length; at += block)
        {
            f.Write(data.AsSpan(at, Math.Min(block, data.Length - at)));
        }

        f.Commit();
    }

    private static byte[] ReadBack(SftpBackupStore store, string name)
    {
        using var s = store.OpenRead(name);
        using var copy = new MemoryStream();
        s.CopyTo(copy, 100_000);
        Assert.Equal(copy.Length, s.Position);
        return copy.ToArray();
    }

    [Fact]
    public void Pieces_are_as_large_as_the_server_says_and_every_byte_arrives_in_its_place()
    {
        var data = Volume(3_000_017);
        var server = new FakeSftpServer { Limits = (200_000, 150_000, 100_000) };
        using var store = Connect(server);
        Upload(store, "h/t/v.001", data, 4 << 20);
        Assert.Equal(100_000, server.LargestWrite);
        Assert.Equal(["/srv/h/t/v.001"], server.Files.Keys); // renamed from .partial once complete
        Assert.Equal(data, server.Files["/srv/h/t/v.001"].ToArray());

        Assert.Equal(data, ReadBack(store, "h/t/v.001"));
        Assert.Equal(150_000, server.LargestReadAsked);
    }

    [Fact]
    public void OpenSSH_limits_are_used_up_to_255_KiB_and_a_server_without_the_extension_gets_64_KiB()
    {
        var data = Volume(1_000_000);
        var openssh = new FakeSftpServer { Limits = (256 * 1024, 255 * 1024, 255 * 1024) };
        using (var store = Connect(openssh))
        {
            Upload(store, "v", data, 300_000);
            Assert.Equal(data, ReadBack(store, "v"));
        }

        Assert.Equal(255 * 1024, openssh.LargestWrite);
        Assert.Equal(255 * 1024, openssh.LargestReadAsked);

        var plain = new FakeSftpServer { Limits = null };
        using (var store = Connect(plain))
        {
            Upload(store, "v", data, 300_000);
            Assert.Equal(data, ReadBack(store, "v"));
        }

        Assert.Equal(64 * 1024, plain.LargestWrite);
        Assert.Equal(64 * 1024, plain.LargestReadAsked);
    }

    [Theory]
    [InlineData(40_000, false)]
    [InlineData(int.MaxValue, true)]
    [InlineData(40_000, true)]
    public void Shorter_answers_and_answers_out_of_order_still_give_the_file_in_order(int serveAtMost, bool reorder)
    {
        var data = Volume(2_500_001);
        using var store = Connect(new FakeSftpServer { ServeAtMost = serveAtMost, Reorder = reorder });
        Upload(store, "v", data, 1 << 20);
        Assert.Equal(data, ReadBack(store, "v"));
        Assert.Equal(data, ReadBack(store, "v")); // the session is left clean for the next file
    }

    [Fact]
    public void A_write_the_server_refuses_fails_the_volume_and_its_partial_file_is_removed()
    {
        var server = new FakeSftpServer { DiskSpace = 5_000_000 };
        using var store = Connect(server);
        var f = store.Create("v");
        var e = Assert.Throws<MkcdrecException>(() =>
        {
            var block = Volume(1 << 20);
            for (var i = 0; i < 40; i++)
            {
                f.Write(block);
            }

            f.Commit();
        });
        Assert.Contains("No space left on device", e.Message, StringComparison.Ordinal);
        Assert.Contains("full disk", e.Hint, StringComparison.Ordinal);
        f.Dispose();
        Assert.Empty(server.Files);

        store.Put("after", new byte[10]); // the session goes on: the answers still due were read, none is mistaken for another's
        Assert.Equal(10, server.Files["/srv/after"].Length);
    }
}
