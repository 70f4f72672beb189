using System.Diagnostics;
using System.Globalization;
using System.Text;
using Mkcdrec.Core.Boot.SecureBoot;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Media;

/// <summary>A file put on the ISO from the host: <see cref="IsoPath"/> (absolute, on the ISO) ← <see cref="HostPath"/> (file or directory).</summary>
public sealed record IsoGraft(string IsoPath, string HostPath)
{
    /// <summary>Only these bytes of the host file, from <see cref="Offset"/> (xorriso -cut_out): a file carried out of another image.</summary>
    public long? Offset { get; init; }

    public long Length { get; init; }
}

public sealed class IsoRequest
{
    /// <summary>The ISO9660 volume label (d-characters, ≤ 32), which the boot configs search for.</summary>
    public required string Label { get; init; }

    /// <summary>The final path of the ISO; it is written under a temporary name beside it and renamed when complete.</summary>
    public required string OutputPath { get; init; }

    /// <summary>Scratch directory for the staged boot files (the caller removes it).</summary>
    public required string WorkDir { get; init; }

    /// <summary>The rescue kernel; with <see cref="InitrdPath"/> null for a data-only (non-booting) medium.</summary>
    public string? KernelPath { get; init; }

    public string? InitrdPath { get; init; }

    /// <summary>Menu timeout and extra kernel arguments; the label is filled in from <see cref="Label"/>.</summary>
    public int TimeoutSeconds { get; init; } = 5;

    public string ExtraKernelArguments { get; init; } = "";

    /// <summary>Files and directories from the host (the backup, …).</summary>
    public IReadOnlyList<IsoGraft> Files { get; init; } = [];

    /// <summary>Small files made here (e.g. /mkcdrec/medium.json): ISO path → content.</summary>
    public IReadOnlyDictionary<string, byte[]> Generated { get; init; } = new Dictionary<string, byte[]>();

    /// <summary>
    /// False: leave the finished ISO under its temporary name (<see cref="IsoResult.Path"/>) for the caller to commit with
    /// <see cref="AtomicOutput.Commit"/> — used for the media of a set, committed together when all are built.
    /// </summary>
    public bool Commit { get; init; } = true;

    /// <summary>UEFI boots the distribution's signed shim → GRUB → kernel (Secure Boot); null: mkcdrec's own GRUB image.</summary>
    public SignedBootChain? SignedChain { get; init; }

    public bool Bootable => KernelPath is not null && InitrdPath is not null;
}

public sealed record IsoResult(string Path, long Bytes, string Sha256, TimeSpan Elapsed);

/// <summary>
/// Builds a hybrid rescue ISO (BIOS and UEFI, CD and USB) with xorriso and GRUB, all through <see cref="IProcessRunner"/>.
/// How each firmware finds GRUB and the menu: docs/rescue-media.md, "How it boots".
/// </summary>
public sealed class IsoBuilder
{
    public const string BiosCoreIsoPath = "boot/grub/i386-pc/eltorito.img";
    public const string BootCatalog = "boot/boot.cat";

    /// <summary>GRUB modules built into the BIOS core image: disk access, ISO9660, search by label, menu, Linux loader, serial.</summary>
    public static readonly string[] BiosModules =
        ["biosdisk", "iso9660", "part_msdos", "part_gpt", "search", "search_label", "search_fs_file", "normal", "configfile",
            "linux", "echo", "serial", "terminal", "test", "true", "sleep", "reboot", "halt"];

    /// <summary>GRUB modules built into BOOTX64.EFI (and BOOTAA64.EFI, without efi_uga: an x86-only video protocol).</summary>
    public static readonly string[] EfiModules =
        ["iso9660", "fat", "part_msdos", "part_gpt", "search", "search_label", "search_fs_file", "normal", "configfile",
            "linux", "echo", "serial", "terminal", "test", "true", "sleep", "reboot", "halt", "efi_gop", "efi_uga", "all_video"];

    private readonly IProcessRunner _run;
    private readonly ILog _log;
    private readonly string _grubLib;
    private readonly MachineArchitecture? _arch;

    /// <param name="architecture">The machine the medium boots (default: this one's); aarch64 media boot by UEFI only.</param>
    public IsoBuilder(IProcessRunner run, ILog log, string grubLib = "/usr/lib/grub", MachineArchitecture? architecture = null)
    {
        _run = run;
        _log = log;
        _grubLib = grubLib;
        _arch = architecture ?? MachineArchitecture.Host;
    }

    /// <summary>The UEFI removable-media loader on the medium: EFI/BOOT/BOOTX64.EFI, EFI/BOOT/BOOTAA64.EFI.</summary>
    public string EfiIsoPath => "EFI/BOOT/" + Arch.RemovableLoader;

    private MachineArchitecture Arch => _arch ?? throw new MkcdrecException(ExitCode.Environment,
        $"mkcdrec makes bootable media for x86_64 and aarch64 machines; this one is {HostArchitecture.UnameMachine}.",
        "Make the rescue medium on an x86_64 or aarch64 machine, or write a backup only (mkbackuponly).");

    /// <summary>The programs and files a bootable build needs; throws naming the missing one and its Debian package.</summary>
    public void CheckPrerequisites(bool bootable)
    {
        var tools = new List<(string Tool, string Package)> { ("xorriso", "xorriso") };
        if (bootable)
        {
            tools.AddRange([("grub-mkimage", "grub-common"), ("mkfs.vfat", "dosfstools"), ("mmd", "mtools"), ("mcopy", "mtools")]);
        }

        foreach (var (tool, package) in tools)
        {
            if (!_run.CanRun(tool))
            {
                throw MkcdrecException.MissingTool(tool, package);
            }
        }

        if (!bootable)
        {
            return;
        }

        var bios = Arch.HasBios ? new[] { (Path.Combine(_grubLib, "i386-pc", "boot_hybrid.img"), "grub-pc-bin"), (Path.Combine(_grubLib, "i386-pc", "kernel.img"), "grub-pc-bin") } : [];
        foreach (var (file, package) in bios.Append((Path.Combine(_grubLib, Arch.GrubEfiTarget, "kernel.img"), Arch.GrubEfiPackage)))
        {
            if (!File.Exists(file))
            {
                throw new MkcdrecException(ExitCode.Environment, $"GRUB's {file} is needed to make the medium boot, and it is missing.",
                    $"Install it (Debian/Ubuntu: apt-get install {package}) and run the command again.");
            }
        }
    }

    /// <summary>Builds the ISO. On any failure the temporary file is removed and an existing ISO at the output path is left as it was.</summary>
    public IsoResult Build(IsoRequest req)
    {
        CheckRequest(req);
        var sw = Stopwatch.StartNew();
        var stage = NewStage(req.WorkDir);
        var args = new List<string>
        {
            "-as", "mkisofs", "-iso-level", "3", "-r", "-V", req.Label, "-appid", "MKCDREC RESCUE MEDIUM", "-sysid", "LINUX",
        };

        if (req.Bootable)
        {
            args.AddRange(BootArguments(StageBootFiles(req, stage)));
        }

        WriteGenerated(stage, req.Generated);
        var temp = AtomicOutput.TempPathFor(req.OutputPath);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(req.OutputPath))!);
        foreach (var abandoned in AtomicFile.RemoveAbandonedTemps(req.OutputPath))
        {
            _log.Warn($"removed {abandoned}: the unfinished ISO of a run that was cut off (power cut or kill) before it completed");
        }

        args.AddRange(["-o", temp, "-graft-points", "/=" + Escape(stage)]);
        args.AddRange(GraftArguments(req));
        return RunXorriso(req, args, temp, sw);
    }

    /// <summary>A valid label, a kernel with an initramfs or neither, the tools, and the boot files that exist.</summary>
    private void CheckRequest(IsoRequest req)
    {
        if (!MediumLabel.IsValid(req.Label))
        {
            throw new MkcdrecException(ExitCode.Usage, $"'{req.Label}' is not a valid medium label.",
                $"Use at most {MediumLabel.MaxLength} characters A-Z, 0-9 and _.");
        }

        if ((req.KernelPath is null) != (req.InitrdPath is null))
        {
            throw new ArgumentException("A bootable medium needs both a kernel and an initramfs.", nameof(req));
        }

        CheckPrerequisites(req.Bootable);
        foreach (var f in new[] { req.KernelPath, req.InitrdPath }.OfType<string>())
        {
            if (!File.Exists(f))
            {
                throw new MkcdrecException(ExitCode.BadInput, $"The file {f} for the rescue medium does not exist.", "Check the path (--kernel) and run the command again.");
            }
        }
    }

    /// <summary>An empty iso-root directory under the work directory: the files staged for the ISO's root.</summary>
    private static string NewStage(string workDir)
    {
        var stage = Path.Combine(workDir, "iso-root");
        if (Directory.Exists(stage))
        {
            Directory.Delete(stage, recursive: true);
        }

        Directory.CreateDirectory(stage);
        return stage;
    }

    /// <summary>
    /// The xorriso options for BIOS (El Torito and hybrid MBR) and UEFI (El Torito and the appended EFI partition) boot;
    /// UEFI's alone where there is no BIOS (aarch64): the GPT with the EFI partition still makes it boot from a USB stick.
    /// </summary>
    private string[] BootArguments(string efiImage) => Arch.HasBios
        ?
        [
            "--grub2-mbr", Path.Combine(_grubLib, "i386-pc", "boot_hybrid.img"),
            "-partition_offset", "16", "--mbr-force-bootable",
            "-append_partition", "2", "0xef", efiImage, "-appended_part_as_gpt",
            "-c", BootCatalog,
            "-b", BiosCoreIsoPath, "-no-emul-boot", "-boot-load-size", "4", "-boot-info-table", "--grub2-boot-info",
            "-eltorito-alt-boot", "-e", "--interval:appended_partition_2:all::", "-no-emul-boot",
        ]
        :
        [
            "-partition_offset", "16",
            "-append_partition", "2", "0xef", efiImage, "-appended_part_as_gpt",
            "-c", BootCatalog,
            "-e", "--interval:appended_partition_2:all::", "-no-emul-boot",
        ];

    private static void WriteGenerated(string stage, IReadOnlyDictionary<string, byte[]> generated)
    {
        foreach (var (isoPath, content) in generated)
        {
            var p = Path.Combine(stage, isoPath.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(p)!);
            File.WriteAllBytes(p, content);
        }
    }

    /// <summary>The -graft-points of the kernel and initramfs (bootable media) and of the host files.</summary>
    private static List<string> GraftArguments(IsoRequest req)
    {
        var args = new List<string>();
        if (req.Bootable)
        {
            args.Add("/boot/vmlinuz=" + Escape(req.KernelPath!));
            args.Add("/boot/initrd.img=" + Escape(req.InitrdPath!));
        }

        foreach (var g in req.Files.Where(g => g.Offset is null))
        {
            args.Add(Escape("/" + g.IsoPath.TrimStart('/')) + "=" + Escape(g.HostPath));
        }

        // Byte ranges as native commands after the end of the mkisofs emulation ("--"); no escaping there.
        var cuts = req.Files.Where(g => g.Offset is not null).ToList();
        if (cuts.Count > 0)
        {
            args.Add("--");
            foreach (var g in cuts)
            {
                args.AddRange(["-cut_out", g.HostPath, g.Offset!.Value.ToString(CultureInfo.InvariantCulture), g.Length.ToString(CultureInfo.InvariantCulture), "/" + g.IsoPath.TrimStart('/')]);
            }
        }

        return args;
    }

    /// <summary>Runs xorriso into the temporary file and commits it unless the caller commits; removes it on any failure.</summary>
    private IsoResult RunXorriso(IsoRequest req, List<string> args, string temp, Stopwatch sw)
    {
        try
        {
            File.Delete(temp);
            _run.RunChecked(new ProcessRequest("xorriso", args));
            var bytes = new FileInfo(temp).Length;
            if (!req.Commit)
            {
                _log.Info($"ISO for {req.OutputPath} built: label {req.Label}, {bytes} bytes, {sw.Elapsed.TotalSeconds:0.00} s");
                return new IsoResult(temp, bytes, "", sw.Elapsed);
            }

            var sha = AtomicOutput.Commit(temp, req.OutputPath);
            _log.Info($"ISO {req.OutputPath}: label {req.Label}, {bytes} bytes, SHA-256 {sha}, {sw.Elapsed.TotalSeconds:0.00} s");
            return new IsoResult(Path.GetFullPath(req.OutputPath), bytes, sha, sw.Elapsed);
        }
        catch (MkcdrecException e) when (IsoOutputFull.From(e, req.OutputPath) is { } full)
        {
            AtomicOutput.Discard(temp);
            throw full;
        }
        catch
        {
            AtomicOutput.Discard(temp);
            throw;
        }
    }

    /// <summary>Writes grub.cfg, the two GRUB images and the EFI FAT image; returns the FAT image's path (outside the ISO tree).</summary>
    private string StageBootFiles(IsoRequest req, string stage)
    {
        var menu = new BootMenuOptions { MediumLabel = req.Label, TimeoutSeconds = req.TimeoutSeconds, ExtraKernelArguments = req.ExtraKernelArguments, Architecture = Arch };
        var grubDir = Path.Combine(stage, "boot", "grub");
        Directory.CreateDirectory(grubDir);
        File.WriteAllText(Path.Combine(grubDir, "grub.cfg"), BootMenu.GrubConfig(menu));
        var embedded = Path.Combine(req.WorkDir, "embedded.cfg");
        File.WriteAllText(embedded, BootMenu.EmbeddedConfig(req.Label));
        if (req.SignedChain is not null && Arch != MachineArchitecture.X86_64)
        {
            throw new MkcdrecException(ExitCode.Usage, $"Secure Boot media are made for x86_64 only so far; this medium is for {Arch.Uname}.",
                "Make it without --secure-boot (or with --secure-boot auto), and boot it with Secure Boot off.");
        }

        if (Arch.HasBios)
        {
            Directory.CreateDirectory(Path.Combine(grubDir, "i386-pc"));
            _run.RunChecked(new ProcessRequest("grub-mkimage",
                ["-d", Path.Combine(_grubLib, "i386-pc"), "-O", "i386-pc-eltorito", "-o", Path.Combine(stage, BiosCoreIsoPath),
                    "-p", "/boot/grub", "-c", embedded, .. BiosModules]));
        }

        var efiDir = Path.Combine(stage, Path.GetDirectoryName(EfiIsoPath)!);
        Directory.CreateDirectory(efiDir);
        var efiFiles = req.SignedChain is { } chain ? StageSignedChain(chain, req.Label, efiDir, req.WorkDir) : [StageOwnEfiImage(stage, embedded)];
        return MakeEfiImage(req.WorkDir, efiFiles);
    }

    /// <summary>mkcdrec's own GRUB image as BOOTX64.EFI (BOOTAA64.EFI), with the embedded config that finds the medium by its label.</summary>
    private (string Host, string Fat) StageOwnEfiImage(string stage, string embedded)
    {
        var efi = Path.Combine(stage, EfiIsoPath);
        var modules = Arch.HasBios ? EfiModules : EfiModules.Where(m => m != "efi_uga");
        _run.RunChecked(new ProcessRequest("grub-mkimage",
            ["-d", Path.Combine(_grubLib, Arch.GrubEfiTarget), "-O", Arch.GrubEfiTarget, "-o", efi, "-p", "/boot/grub", "-c", embedded, .. modules]));
        return (efi, "/" + EfiIsoPath);
    }

    /// <summary>
    /// The signed chain: shim as BOOTX64.EFI starts grubx64.efi beside it (the distribution's GRUB image for removable
    /// media) and, to enrol a key, mmx64.efi. That GRUB reads /boot/grub/grub.cfg of the device it came from: on the EFI
    /// partition that file finds the medium by its label and hands over to the menu on it. Docs: rescue-media.md.
    /// </summary>
    private static List<(string Host, string Fat)> StageSignedChain(SignedBootChain chain, string label, string efiDir, string workDir)
    {
        var files = new List<(string Host, string Fat)>();
        foreach (var (source, name) in new[] { (chain.Shim, "BOOTX64.EFI"), (chain.Grub, "grubx64.efi"), (chain.MokManager, "mmx64.efi") })
        {
            if (source is not null)
            {
                File.Copy(source, Path.Combine(efiDir, name), overwrite: true);
                files.Add((Path.Combine(efiDir, name), "/EFI/BOOT/" + name));
            }
        }

        var handOver = Path.Combine(workDir, "grub-handover.cfg");
        File.WriteAllText(handOver, BootMenu.EmbeddedConfig(label) + "configfile $prefix/grub.cfg\n");
        files.Add((handOver, "/boot/grub/grub.cfg"));
        return files;
    }

    /// <summary>The EFI partition: a FAT image of just the size the files need, in KiB as mkfs.vfat -C wants it.</summary>
    private string MakeEfiImage(string workDir, IReadOnlyList<(string Host, string Fat)> files)
    {
        var efiImage = Path.Combine(workDir, "efi.img");
        File.Delete(efiImage);
        var kib = (files.Sum(f => new FileInfo(f.Host).Length) / 1024) + 512;
        kib = (kib + 63) / 64 * 64;
        _run.RunChecked(new ProcessRequest("mkfs.vfat", ["-C", "-n", "MKCDREC_EFI", efiImage, kib.ToString(CultureInfo.InvariantCulture)]));
        var dirs = files.SelectMany(f => Ancestors(f.Fat)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(d => "::" + d).ToList();
        _run.RunChecked(new ProcessRequest("mmd", ["-i", efiImage, .. dirs]));
        foreach (var (host, fat) in files)
        {
            _run.RunChecked(new ProcessRequest("mcopy", ["-i", efiImage, host, "::" + fat]));
        }

        return efiImage;
    }

    /// <summary>"/EFI/BOOT/x" → "/EFI", "/EFI/BOOT".</summary>
    private static IEnumerable<string> Ancestors(string fatPath)
    {
        var parts = fatPath.Trim('/').Split('/');
        for (var i = 1; i < parts.Length; i++)
        {
            yield return "/" + string.Join('/', parts[..i]);
        }
    }

    /// <summary>xorriso -graft-points escaping: '=' and '\' are escaped with '\'.</summary>
    public static string Escape(string path)
    {
        var sb = new StringBuilder(path.Length);
        foreach (var c in path)
        {
            if (c is '=' or '\\')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }
}
