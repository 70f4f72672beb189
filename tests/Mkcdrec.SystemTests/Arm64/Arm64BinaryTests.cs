using Mkcdrec.Formats.Elf;
using Mkcdrec.Tests.Shared;
using Mkcdrec.TestVm;

namespace Mkcdrec.SystemTests.Arm64;

/// <summary>
/// The arm64 NativeAOT binary (./build.sh --arm64), run on this x86_64 machine under qemu-user: it is a real aarch64
/// program, writes the same archive as the x86_64 binary from the same tree, GNU tar restores that archive, and it
/// restores the x86_64 one itself; each restored tree is compared with its source by find, stat, sha256sum, getfattr,
/// getfacl and getcap. test.sh's arm64 tier runs these (trait tier=arm64), beside the unit tests compiled for arm64.
/// </summary>
[Trait("tier", "arm64")]
public sealed class Arm64BinaryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-arm64-").FullName;

    private static string Arm64Binary => Path.Combine(RepoPaths.Root, "out", "linux-arm64", "mkcdrec");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Tool.Result Arm64(params string[] args) =>
        Tool.Checked("qemu-aarch64-static", [Arm64Binary, .. args]);

    [Fact]
    public void The_binary_is_an_aarch64_NativeAOT_program_that_needs_only_the_C_library_and_runs()
    {
        using (var s = File.OpenRead(Arm64Binary))
        {
            var e = ElfFile.Read(s);
            Assert.Equal(ElfMachine.AArch64, e.Machine);
            Assert.Equal("/lib/ld-linux-aarch64.so.1", e.Interpreter);
            // NativeAOT: no .NET runtime to find in the rescue system; only glibc's own libraries.
            Assert.All(e.Needed, n => Assert.Matches(@"^(libc|libm|libdl|librt|libpthread|ld-linux-aarch64)\.so\.[0-9]+$", n));
        }

        var x64 = Tool.Checked(RepoPaths.MkcdrecBinary, ["--version"]).StdOut;
        Assert.Equal(x64, Arm64("--version").StdOut);
    }

    [Fact]
    public void Archives_are_the_same_on_both_architectures_and_each_restores_what_the_other_wrote()
    {
        var tree = MakeTree();
        var fromArm = Path.Combine(_dir, "backup-arm64");
        var fromX64 = Path.Combine(_dir, "backup-x64");
        Arm64("archive", "create", "--root", tree, "--dest", fromArm, "--id", "t", "--volume-size", "2M", "--no-default-excludes",
            "--log", Path.Combine(_dir, "arm64-create.log"));
        Tool.Checked(RepoPaths.MkcdrecBinary, ["archive", "create", "--root", tree, "--dest", fromX64, "--id", "t", "--volume-size", "2M",
            "--no-default-excludes", "--log", Path.Combine(_dir, "x64-create.log")]);

        // The same tar stream: byte order, header fields and sparse maps are written the same on both.
        var armTar = TarStream(fromArm);
        Assert.True(armTar.Length > 6 << 20, $"the arm64 archive holds {armTar.Length} bytes of tar");
        Assert.True(armTar.AsSpan().SequenceEqual(TarStream(fromX64)), "the arm64 and x86_64 binaries wrote different tar streams from one tree");

        var byTar = Path.Combine(_dir, "gnu-tar");
        Directory.CreateDirectory(byTar);
        Tool.Checked("tar", ["-x", "--xattrs", "--xattrs-include=*", "--acls", "--numeric-owner", "--same-permissions", "-C", byTar, "-f", "-"], stdin: armTar);
        Assert.Equal(Listing(tree), Listing(byTar));

        var byArm = Path.Combine(_dir, "arm64-extract");
        Arm64("archive", "extract", "--from", fromX64, "--to", byArm, "--log", Path.Combine(_dir, "arm64-extract.log"));
        Assert.Equal(Listing(tree), Listing(byArm));
    }

    /// <summary>Every kind of entry and metadata the archive keeps, with fixed times.</summary>
    private string MakeTree()
    {
        var t = Path.Combine(_dir, "tree");
        Tool.Checked("sh", ["-euc", """
            mkdir -p "$1/etc/deep" "$1/srv/data" && cd "$1"
            head -c 5242880 /dev/urandom > srv/data/random.bin
            seq 1 200000 > etc/deep/numbers.txt
            printf 'host\n' > etc/hostname
            ln etc/hostname etc/hostname.hard
            ln -s deep/numbers.txt etc/numbers
            truncate -s 64M srv/sparse.img && printf 'middle' | dd of=srv/sparse.img bs=1 seek=33554432 conv=notrunc status=none
            mkfifo srv/fifo
            setfattr -n user.origin -v arm64-test etc/hostname
            setfacl -m u:nobody:rw,g:daemon:r srv/data/random.bin
            setfacl -d -m u:nobody:rx srv/data
            cp /bin/true srv/ping-like && setcap cap_net_raw+ep srv/ping-like
            cp /bin/true srv/setuid && chmod 4750 srv/setuid
            chown 1234:5678 etc/deep/numbers.txt && chmod 640 etc/deep/numbers.txt
            find . -exec touch -h -d '2024-02-29 12:34:56.123456789' {} +
            """, "sh", t]);
        return t;
    }

    /// <summary>The volumes (pieces of one zstd stream) joined and decompressed by the zstd program: the archive's tar stream.</summary>
    private static byte[] TarStream(string backup)
    {
        var volumes = Directory.GetFiles(backup).Where(f => Path.GetFileName(f) != "manifest.json").Order(StringComparer.Ordinal).ToArray();
        Assert.True(volumes.Length > 1, $"{backup} holds {volumes.Length} volume(s)");
        return Tool.Checked("sh", ["-euc", "cat \"$@\" | zstd -dcq", "sh", .. volumes]).StdOutBytes;
    }

    /// <summary>What find, stat, sha256sum, getfattr, getfacl and getcap say about a tree, relative to it (a directory's size left out).</summary>
    private static string Listing(string dir) => Tool.Checked("sh", ["-euc", """
        cd "$1"
        export LC_ALL=C
        { find . -printf '%p|%y|%m|%U|%G|%s|%T@|%n\n' | awk -F'|' -v OFS='|' '$2 == "d" { $6 = "-" } { print }'
          find . -type l -printf 'link %p|%l\n'
          find . -type f -exec sha256sum {} +
          find . -type f -printf 'blocks %p|%b\n' | grep sparse
          find . -print0 | xargs -0 getfattr -h -d -m - -e hex 2>/dev/null | awk '/^# file: /{ f = substr($0, 9); next } /=/{ print "xattr " f "|" $0 }'
          find . -print0 | xargs -0 getfacl -P -n -p 2>/dev/null | awk '/^# file: /{ f = substr($0, 9); next } /^#/{ next } NF{ print "acl " f "|" $0 }'
          getcap -r . 2>/dev/null; } | sort
        """, "sh", dir]).StdOut;
}
