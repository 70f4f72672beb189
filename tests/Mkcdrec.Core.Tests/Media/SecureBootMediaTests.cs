using Mkcdrec.Core.Boot.SecureBoot;
using Mkcdrec.Core.Media;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Tests.Media;

/// <summary>
/// --secure-boot: which chain the ISO gets and what the admin is told (a fake root with or without the signed
/// packages' files; the kernel is Debian's signed one from /boot, or an unsigned file), and how the ISO builder stages
/// shim, GRUB and the MOK manager on the EFI partition.
/// </summary>
public sealed class SecureBootMediaTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-secureboot-").FullName;
    private readonly LogLines _log = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Root(bool shim = true, bool grub = true, bool mok = true)
    {
        var root = Path.Combine(_dir, $"root-{shim}-{grub}-{mok}");
        foreach (var (path, present) in new[] { (SignedBootChain.ShimPath, shim), (SignedBootChain.CdGrubPath, grub), (SignedBootChain.MokManagerPath, mok) })
        {
            if (present)
            {
                var p = Path.Combine(root, path.TrimStart('/'));
                Directory.CreateDirectory(Path.GetDirectoryName(p)!);
                File.WriteAllText(p, "EFI program " + Path.GetFileName(path));
            }
        }

        Directory.CreateDirectory(root);
        return root;
    }

    private static string SignedKernel()
    {
        var k = Directory.Exists("/boot") ? Directory.GetFiles("/boot", "vmlinuz-*").Order(StringComparer.Ordinal).LastOrDefault() : null;
        Assert.SkipWhen(k is null, "no /boot/vmlinuz-* (CI installs linux-image-amd64, signed by Debian)");
        return k!;
    }

    private string UnsignedKernel()
    {
        var k = Path.Combine(_dir, "vmlinuz-unsigned");
        File.WriteAllText(k, "not a PE image");
        return k;
    }

    [Fact]
    public void Auto_with_the_packages_takes_the_signed_chain_and_names_the_kernels_signer()
    {
        var choice = SecureBootMedia.Choose(SecureBootMode.Auto, MachineArchitecture.X86_64, SignedKernel(), null, _log, Root());
        Assert.NotNull(choice.Chain);
        Assert.EndsWith("shimx64.efi.signed", choice.Chain.Shim, StringComparison.Ordinal);
        Assert.EndsWith("gcdx64.efi.signed", choice.Chain.Grub, StringComparison.Ordinal);
        Assert.EndsWith("mmx64.efi.signed", choice.Chain.MokManager, StringComparison.Ordinal);
        Assert.Matches("^Secure Boot: signed chain .*kernel signed by Debian Secure Boot Signer", choice.Summary);
        Assert.Empty(_log.Warnings);
    }

    [Fact]
    public void Auto_without_the_packages_warns_naming_them_and_louder_when_the_system_booted_with_secure_boot()
    {
        var choice = SecureBootMedia.Choose(SecureBootMode.Auto, MachineArchitecture.X86_64, UnsignedKernel(), false, _log, Root(shim: false, grub: false));
        Assert.Null(choice.Chain);
        var w = Assert.Single(_log.Warnings);
        Assert.Contains("boots UEFI only with Secure Boot off", w, StringComparison.Ordinal);
        Assert.Contains("apt-get install shim-signed grub-efi-amd64-signed", w, StringComparison.Ordinal);
        Assert.Contains("not supported", choice.Summary, StringComparison.Ordinal);

        SecureBootMedia.Choose(SecureBootMode.Auto, MachineArchitecture.X86_64, UnsignedKernel(), true, _log, Root(grub: false));
        Assert.StartsWith("this system booted with Secure Boot on, and ", _log.Warnings[1], StringComparison.Ordinal);
        Assert.Contains("apt-get install grub-efi-amd64-signed", _log.Warnings[1], StringComparison.Ordinal);
    }

    [Fact]
    public void On_without_the_packages_is_an_error_before_anything_is_built_that_says_what_to_install()
    {
        var e = Assert.Throws<MkcdrecException>(() => SecureBootMedia.CheckAvailable(SecureBootMode.On, MachineArchitecture.X86_64, Root(shim: false), out _));
        Assert.Equal(ExitCode.Environment, e.Code);
        Assert.Contains("shim-signed is not installed", e.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install shim-signed", e.Hint, StringComparison.Ordinal);
        Assert.Null(SecureBootMedia.CheckAvailable(SecureBootMode.Auto, MachineArchitecture.X86_64, Root(shim: false), out var missing));
        Assert.Equal(["shim-signed"], missing);
    }

    [Fact]
    public void An_unsigned_kernel_is_an_error_with_on_and_a_warning_with_auto()
    {
        var e = Assert.Throws<MkcdrecException>(() => SecureBootMedia.Choose(SecureBootMode.On, MachineArchitecture.X86_64, UnsignedKernel(), null, _log, Root()));
        Assert.Contains("carries no signature", e.Message, StringComparison.Ordinal);
        Assert.Contains("--kernel", e.Hint, StringComparison.Ordinal);

        var choice = SecureBootMedia.Choose(SecureBootMode.Auto, MachineArchitecture.X86_64, UnsignedKernel(), null, _log, Root());
        Assert.NotNull(choice.Chain);
        Assert.Contains("kernel is unsigned", choice.Summary, StringComparison.Ordinal);
        Assert.Contains("shim refuses to start it", Assert.Single(_log.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void An_aarch64_medium_gets_no_signed_chain_and_says_so_without_naming_x86_packages()
    {
        // Even with the x86_64 chain installed (an aarch64 host never has it; here the fake root does).
        var choice = SecureBootMedia.Choose(SecureBootMode.Auto, MachineArchitecture.Aarch64, SignedKernel(), null, _log, Root());
        Assert.Null(choice.Chain);
        Assert.Equal("Secure Boot: not made for aarch64 media yet: the medium boots UEFI with Secure Boot off", choice.Summary);
        Assert.Empty(_log.Warnings);

        SecureBootMedia.Choose(SecureBootMode.Auto, MachineArchitecture.Aarch64, SignedKernel(), true, _log, Root());
        Assert.StartsWith("this system booted with Secure Boot on, and media for aarch64 get no signed boot chain yet", Assert.Single(_log.Warnings), StringComparison.Ordinal);
        Assert.DoesNotContain("amd64", _log.Warnings[0], StringComparison.Ordinal);

        var e = Assert.Throws<MkcdrecException>(() => SecureBootMedia.CheckAvailable(SecureBootMode.On, MachineArchitecture.Aarch64, Root(), out _));
        Assert.Equal(ExitCode.Usage, e.Code);
        Assert.Contains("x86_64 only so far; this machine is aarch64", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Off_uses_mkcdrecs_own_grub_whatever_is_installed()
    {
        var choice = SecureBootMedia.Choose(SecureBootMode.Off, MachineArchitecture.X86_64, UnsignedKernel(), true, _log, Root());
        Assert.Null(choice.Chain);
        Assert.Contains("--secure-boot off", choice.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_iso_builder_puts_shim_grub_and_the_mok_manager_on_the_efi_partition_with_a_config_that_finds_the_medium(bool mok)
    {
        var grubLib = Path.Combine(_dir, "grub");
        foreach (var f in new[] { "i386-pc/boot_hybrid.img", "i386-pc/kernel.img", "x86_64-efi/kernel.img" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(grubLib, f))!);
            File.WriteAllText(Path.Combine(grubLib, f), "x");
        }

        File.WriteAllText(Path.Combine(_dir, "vmlinuz"), "k");
        File.WriteAllText(Path.Combine(_dir, "initrd.img"), "i");
        var chain = SignedBootChain.Find(Root(mok: mok), out _)!;
        var run = new FakeMediaRunner();
        var work = Path.Combine(_dir, "work");
        new IsoBuilder(run, NullLog.Instance, grubLib, MachineArchitecture.X86_64).Build(new IsoRequest
        {
            Label = "MKCDREC_SB_20261206",
            OutputPath = Path.Combine(_dir, "out", "rescue.iso"),
            WorkDir = work,
            KernelPath = Path.Combine(_dir, "vmlinuz"),
            InitrdPath = Path.Combine(_dir, "initrd.img"),
            SignedChain = chain,
        });

        // Only the BIOS image is made here; UEFI boots the signed files as they are.
        Assert.Equal(["i386-pc-eltorito"], run.Calls.Where(c => c.FileName == "grub-mkimage").Select(c => c.Arguments[c.Arguments.ToList().IndexOf("-O") + 1]));
        var copies = run.Calls.Where(c => c.FileName == "mcopy").ToDictionary(c => c.Arguments[^1], c => c.Arguments[^2]);
        List<string> expected = ["::/EFI/BOOT/BOOTX64.EFI", "::/EFI/BOOT/grubx64.efi", .. mok ? new[] { "::/EFI/BOOT/mmx64.efi" } : [], "::/boot/grub/grub.cfg"];
        Assert.Equal(expected, copies.Keys.ToList());
        Assert.Equal("EFI program shimx64.efi.signed", File.ReadAllText(copies["::/EFI/BOOT/BOOTX64.EFI"]));
        Assert.Equal("EFI program gcdx64.efi.signed", File.ReadAllText(copies["::/EFI/BOOT/grubx64.efi"]));
        var handOver = File.ReadAllText(copies["::/boot/grub/grub.cfg"]);
        Assert.Contains("search --no-floppy --label --set=root MKCDREC_SB_20261206", handOver, StringComparison.Ordinal);
        Assert.EndsWith("configfile $prefix/grub.cfg\n", handOver, StringComparison.Ordinal);
        Assert.Equal(["::/EFI", "::/EFI/BOOT", "::/boot", "::/boot/grub"], run.Calls.Single(c => c.FileName == "mmd").Arguments.Skip(2));

        // The same files on the ISO's own tree (a firmware that reads \EFI\BOOT from the ISO 9660 file system), but not the hand-over config.
        Assert.Equal("EFI program shimx64.efi.signed", File.ReadAllText(Path.Combine(work, "iso-root", "EFI", "BOOT", "BOOTX64.EFI")));
        Assert.Equal(File.Exists(Path.Combine(work, "iso-root", "EFI", "BOOT", "mmx64.efi")), mok);
        Assert.Contains("menuentry \"mkcdrec rescue\"", File.ReadAllText(Path.Combine(work, "iso-root", "boot", "grub", "grub.cfg")), StringComparison.Ordinal);
    }

    private sealed class LogLines : ILog
    {
        public List<string> Warnings { get; } = [];

        public void Info(string message)
        {
        }

        public void Warn(string message) => Warnings.Add(message);

        public void Debug(string message)
        {
        }
    }
}
