using Mkcdrec.Core.Rescue;

namespace Mkcdrec.Core.Tests.Rescue;

public class KernelModuleIndexTests
{
    // A small modules.dep as depmod writes it (paths relative to /lib/modules/KVER, the full closure on each line).
    private const string Dep = """
        kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/mbcache.ko kernel/fs/jbd2/jbd2.ko
        kernel/fs/jbd2/jbd2.ko:
        kernel/fs/mbcache.ko:
        kernel/lib/crc16.ko:
        kernel/arch/x86/crypto/crc32c-intel.ko:
        kernel/crypto/crc32c_generic.ko:
        kernel/crypto/xts.ko:
        kernel/drivers/md/dm-crypt.ko: kernel/drivers/md/dm-mod.ko
        kernel/drivers/md/dm-mod.ko:
        kernel/fs/fat/vfat.ko.xz: kernel/fs/fat/fat.ko.xz
        kernel/fs/fat/fat.ko.xz:
        kernel/drivers/block/virtio_blk.ko:
        """;

    private const string Alias = """
        # Aliases extracted from modules themselves.
        alias crypto-crc32c crc32c_intel
        alias crypto-crc32c crc32c_generic
        alias crypto-xts xts
        alias fs-vfat vfat
        alias virtio:d00000002v* virtio_blk
        alias crypto-sha256 sha256_generic
        """;

    private const string Softdep = """
        # Soft dependencies extracted from modules themselves.
        softdep ext4 pre: crypto-crc32c
        softdep dm_crypt post: crypto-xts
        """;

    private const string Builtin = "kernel/drivers/scsi/sd_mod.ko\nkernel/crypto/sha256_generic.ko\n";

    private static KernelModuleIndex Index() => new(Dep, Alias, Softdep, Builtin);

    [Fact]
    public void Closes_over_modules_dep_with_dependencies_first()
    {
        var r = Index().Resolve(["ext4"]);
        Assert.Contains("kernel/fs/ext4/ext4.ko", r.Modules);
        foreach (var dep in new[] { "kernel/lib/crc16.ko", "kernel/fs/mbcache.ko", "kernel/fs/jbd2/jbd2.ko" })
        {
            Assert.True(r.Modules.ToList().IndexOf(dep) < r.Modules.ToList().IndexOf("kernel/fs/ext4/ext4.ko"), $"{dep} must come before ext4");
        }

        // The soft dependency crypto-crc32c resolves through modules.alias to both providers.
        Assert.Contains("kernel/arch/x86/crypto/crc32c-intel.ko", r.Modules);
        Assert.Contains("kernel/crypto/crc32c_generic.ko", r.Modules);
        Assert.Empty(r.NotFound);
    }

    [Fact]
    public void Dashes_and_underscores_are_the_same_name_and_compressed_modules_count()
    {
        var r = Index().Resolve(["dm-crypt", "crc32c_intel", "vfat"]);
        var list = r.Modules.ToList();
        Assert.True(list.IndexOf("kernel/drivers/md/dm-mod.ko") < list.IndexOf("kernel/drivers/md/dm-crypt.ko"));
        Assert.Contains("kernel/crypto/xts.ko", list); // dm_crypt's post: soft dependency
        Assert.Contains("kernel/arch/x86/crypto/crc32c-intel.ko", list);
        Assert.Contains("kernel/fs/fat/fat.ko.xz", r.Modules);
        Assert.True(r.Modules.ToList().IndexOf("kernel/fs/fat/fat.ko.xz") < r.Modules.ToList().IndexOf("kernel/fs/fat/vfat.ko.xz"));
        Assert.Equal("dm_crypt", KernelModuleIndex.NameOf("kernel/drivers/md/dm-crypt.ko"));
        Assert.Equal("vfat", KernelModuleIndex.NameOf("kernel/fs/fat/vfat.ko.xz"));
    }

    [Fact]
    public void Aliases_with_wildcards_builtins_and_unknown_names_are_told_apart()
    {
        var r = Index().Resolve(["virtio:d00000002v00001AF4", "fs-vfat", "sd_mod", "crypto-sha256", "no_such_driver"]);
        Assert.Contains("kernel/drivers/block/virtio_blk.ko", r.Modules);
        Assert.Contains("kernel/fs/fat/vfat.ko.xz", r.Modules);
        Assert.Equal(["sd_mod", "crypto_sha256"], r.Builtin);
        Assert.Equal(["no_such_driver"], r.NotFound);
    }

    [Fact]
    public void Each_module_appears_once_and_a_bad_line_is_refused()
    {
        var r = Index().Resolve(["ext4", "jbd2", "ext4", "crc32c_generic"]);
        Assert.Equal(r.Modules.Count, r.Modules.Distinct().Count());
        Assert.Contains("line 2", Assert.Throws<InvalidDataException>(() => new KernelModuleIndex("a.ko: b.ko\nno colon here\n")).Message);
    }

    [Fact]
    public void Reads_the_installed_debian_kernel_index()
    {
        var dir = Directory.Exists("/lib/modules") ? Directory.GetDirectories("/lib/modules").FirstOrDefault(d => File.Exists(d + "/modules.dep")) : null;
        Assert.SkipWhen(dir is null, "no kernel modules installed");
        var index = KernelModuleIndex.Load(new RealFiles(), dir!);
        var r = index.Resolve(RescueComponents.All.SelectMany(c => c.Modules));
        Assert.True(r.Modules.Count > 50, $"only {r.Modules.Count} modules");
        foreach (var m in r.Modules)
        {
            Assert.True(File.Exists(dir + "/" + m), m);
        }
    }
}
