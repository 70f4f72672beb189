using System.Text;
using Mkcdrec.Core.Platform;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.Core.Tests.Platform;

/// <summary>A restored system's file replaced atomically keeps what the old inode carried: owner, mode, xattrs.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class AtomicReplaceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-replace-").FullName;
    private readonly FileSystemAccess _fs = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Keeps_owner_mode_and_extended_attributes_and_takes_a_new_inode()
    {
        var path = Path.Combine(_dir, "crypttab");
        File.WriteAllText(path, "old\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        _fs.LChown(B(path), 12345, 54321);
        _fs.SetXattr(B(path), "user.mkcdrec.test", "label"u8);
        Assert.True(_fs.TryLStat(B(path), out var before, out _));

        AtomicReplace.WriteText(_fs, path, "new\n");

        Assert.Equal("new\n", File.ReadAllText(path));
        Assert.True(_fs.TryLStat(B(path), out var after, out _));
        Assert.NotEqual(before.Inode, after.Inode);
        Assert.Equal(before.Permissions, after.Permissions);
        Assert.Equal((12345u, 54321u), (after.Uid, after.Gid));
        Assert.Equal("label"u8.ToArray(), _fs.GetXattr(B(path), "user.mkcdrec.test"));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void A_new_file_is_root_owned_0644()
    {
        var path = Path.Combine(_dir, "hostname");
        AtomicReplace.WriteText(_fs, path, "web2\n");
        Assert.True(_fs.TryLStat(B(path), out var st, out _));
        Assert.Equal(0x1A4u, st.Permissions);
        Assert.Equal((0u, 0u), (st.Uid, st.Gid));
    }

    [Fact]
    public void Refuses_a_symbolic_link_and_leaves_it_and_its_target_alone()
    {
        var target = Path.Combine(_dir, "mdadm.conf.real");
        var link = Path.Combine(_dir, "mdadm.conf");
        File.WriteAllText(target, "ARRAY\n");
        File.CreateSymbolicLink(link, target);
        Assert.Throws<InvalidOperationException>(() => AtomicReplace.WriteText(_fs, link, "x"));
        Assert.Equal("ARRAY\n", File.ReadAllText(link));
        Assert.Equal(2, Directory.GetFileSystemEntries(_dir).Length);
    }
}
