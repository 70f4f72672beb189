using System.Diagnostics;
using System.Reflection;
using System.Text;
using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Platform;
using Mkcdrec.Formats.Cpio;
using Mkcdrec.Formats.Kernel;
using Mkcdrec.Model.Layout;
using ZstdSharp;
using ZstdSharp.Unsafe;
using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Rescue;

public sealed record RescueSystemOptions
{
    /// <summary>Where the kernel and the initramfs are written (created when missing).</summary>
    public required string WorkDirectory { get; init; }

    /// <summary>The kernel image; null = the running kernel, /boot/vmlinuz-$(uname -r).</summary>
    public string? Kernel { get; init; }

    /// <summary>The mkcdrec binary (NativeAOT) to put at /usr/bin/mkcdrec; null = the running executable.</summary>
    public string? MkcdrecBinary { get; init; }

    /// <summary>The layout the rescue system recreates: /etc/mkcdrec/layout.json; also decides which tools are required.</summary>
    public LayoutDocument? Layout { get; init; }

    /// <summary>Copy the firmware files the included modules name (modinfo -F firmware).</summary>
    public bool Firmware { get; init; }

    /// <summary>Include the OpenSSH server (started at boot, public-key login for root only).</summary>
    public bool Sshd { get; init; }

    /// <summary>Public keys allowed to log in as root when <see cref="Sshd"/> is on (default /root/.ssh/authorized_keys).</summary>
    public string? AuthorizedKeysFile { get; init; }

    /// <summary>More programs (names in PATH or absolute paths); each is required.</summary>
    public IReadOnlyList<string> ExtraPrograms { get; init; } = [];

    /// <summary>More kernel modules (names or aliases).</summary>
    public IReadOnlyList<string> ExtraModules { get; init; } = [];

    /// <summary>Also include the modules loaded now (/proc/modules).</summary>
    public bool LoadedModules { get; init; } = true;

    public InitramfsCompressionKind Compression { get; init; } = InitramfsCompressionKind.Zstd;

    /// <summary>zstd 1..19 (default 15) or gzip 1..9.</summary>
    public int? CompressionLevel { get; init; }

    public IReadOnlyList<RescueComponent> Components { get; init; } = RescueComponents.All;
}

/// <summary>What the builder produced.</summary>
public sealed record RescueSystem
{
    public required string KernelPath { get; init; }

    public required string InitramfsPath { get; init; }

    /// <summary>The kernel release (uname -r in the rescue system).</summary>
    public required string KernelVersion { get; init; }

    /// <summary>The whole version string of the kernel image.</summary>
    public required string KernelVersionText { get; init; }

    public required long InitramfsBytes { get; init; }

    /// <summary>The size of the cpio archive before compression.</summary>
    public required long UncompressedBytes { get; init; }

    /// <summary>Module files (relative to /lib/modules/KVER), dependencies first.</summary>
    public required IReadOnlyList<string> Modules { get; init; }

    /// <summary>Programs in the rescue system (their paths there).</summary>
    public required IReadOnlyList<string> Programs { get; init; }

    /// <summary>Optional programs that were not found, with the package that has them.</summary>
    public required IReadOnlyList<string> SkippedPrograms { get; init; }

    public required IReadOnlyList<string> Firmware { get; init; }

    /// <summary>Things worth knowing (missing optional modules, libraries ...).</summary>
    public required IReadOnlyList<string> Notes { get; init; }

    public required int Entries { get; init; }

    public required TimeSpan Elapsed { get; init; }
}

/// <summary>
/// Builds the rescue system from the host itself: the kernel, an initramfs with the kernel modules for storage,
/// filesystems, RAID, device mapper, crypto, network and input (closed over modules.dep, indexed by depmod), the
/// programs the components declare with their shared-library closure, busybox, the mkcdrec binary, the layout,
/// and our /init and rescue menu. Reads the host through <see cref="ISystemFiles"/>, runs depmod/modinfo/busybox
/// through <see cref="IProcessRunner"/>, and writes only into the work directory.
/// </summary>
public sealed class RescueSystemBuilder(ISystemFiles files, IProcessRunner runner, ILog? log = null)
{
    public const string RescueBinary = "/usr/bin/mkcdrec";
    public const string RescueLayout = "/etc/mkcdrec/layout.json";
    public const string KernelFileName = "vmlinuz";
    public const string InitramfsFileName = "initrd.img";

    private static readonly string[] CommandDirectories = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"];
    private static readonly string[] TopLevelLinks = ["/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"];
    private static readonly string[] LibraryDirectories =
        ["/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib"];

    private static readonly string[] Terminfo = ["l/linux", "v/vt100", "v/vt102", "v/vt220", "x/xterm", "x/xterm-256color", "d/dumb", "s/screen"];

    private readonly ILog _log = log ?? NullLog.Instance;
    private HashSet<string> _excluded = [];

    public RescueSystem Build(RescueSystemOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var sw = Stopwatch.StartNew();
        var notes = new List<string>();
        var needs = new RescueNeeds(options.Layout, options.Sshd);
        var components = options.Components.Where(c => c.IncludedWhen(needs)).ToList();

        // 1. The kernel and its modules directory.
        var (kernel, header) = FindKernel(options.Kernel);
        var release = header.Release!;
        var modulesDir = "/lib/modules/" + release;
        _log.Info($"rescue: kernel {kernel} ({release})");

        var tree = new RescueImageTree();
        foreach (var top in TopLevelLinks)
        {
            if (files.ReadLink(top) is { } target)
            {
                tree.AddLink(top, target); // merged /usr: /lib → usr/lib, as on the host
            }
        }

        foreach (var d in new[] { "/dev", "/proc", "/sys", "/run", "/mnt", "/root", "/tmp", "/var/log", "/var/lib/mkcdrec", "/etc/mkcdrec", "/usr/bin", "/usr/sbin" })
        {
            tree.AddDirectory(d, d switch { "/tmp" => 0x3FFu /* 1777 */, "/root" => 0x1C0u /* 0700 */, _ => 0x1EDu });
        }

        tree.AddCharDevice("/dev/console", 5, 1, 0x180);
        tree.AddCharDevice("/dev/null", 1, 3, 0x1B6);

        // 2. Programs.
        var programs = new List<(string Path, RescueProgram Program)>();
        var skipped = new List<string>();
        var missingRequired = new List<(RescueProgram Program, RescueComponent Component)>();
        foreach (var c in components)
        {
            var required = c.RequiredWhen(needs);
            foreach (var p in c.Programs)
            {
                var path = FindProgram(p);
                if (path is not null)
                {
                    programs.Add((path, p));
                }
                else if (required && !p.AlwaysOptional)
                {
                    missingRequired.Add((p, c));
                }
                else
                {
                    skipped.Add($"{p.Name} ({p.Package})");
                }
            }
        }

        foreach (var extra in options.ExtraPrograms)
        {
            var p = new RescueProgram(Path.GetFileName(extra), Path.GetFileName(extra)) { Paths = extra.StartsWith('/') ? [extra] : [] };
            if (FindProgram(p) is { } path)
            {
                programs.Add((path, p));
            }
            else
            {
                missingRequired.Add((p, new RescueComponent("extra", "asked for with the extra programs")));
            }
        }

        if (missingRequired.Count > 0)
        {
            var names = string.Join(", ", missingRequired.Select(m => $"{m.Program.Name} (for {m.Component.Name}: {m.Component.Purpose})"));
            var pkgs = string.Join(' ', missingRequired.Select(m => m.Program.Package).Distinct(StringComparer.Ordinal));
            throw new MkcdrecException(ExitCode.Environment,
                $"The rescue system needs programs this machine does not have: {names}.",
                $"Install them (Debian/Ubuntu: apt-get install {pkgs}) and build the rescue system again.");
        }

        var mkcdrec = options.MkcdrecBinary ?? Environment.ProcessPath
            ?? throw new MkcdrecException(ExitCode.Internal, "The path of the mkcdrec binary is unknown.", "Pass the mkcdrec binary explicitly.");
        if (!files.FileExists(mkcdrec))
        {
            throw new MkcdrecException(ExitCode.Environment, $"The mkcdrec binary '{mkcdrec}' does not exist.",
                "Build it with ./build.sh (out/linux-x64/mkcdrec) or pass the path of the installed binary.");
        }

        // 3. Shared libraries: DT_NEEDED closure of every ELF program, plus what they dlopen.
        var closure = new LibraryClosure(files);
        var dlopen = new List<string>();
        foreach (var soname in components.SelectMany(c => c.DlopenLibraries).Distinct(StringComparer.Ordinal))
        {
            var dirs = closure.LdSoConfDirectories.Concat(LibraryDirectories).Distinct(StringComparer.Ordinal);
            var found = dirs.Select(d => d + "/" + soname).FirstOrDefault(files.FileExists);
            if (found is not null)
            {
                dlopen.Add(found);
            }
            else if (soname.StartsWith("libssl", StringComparison.Ordinal) || soname.StartsWith("libcrypto", StringComparison.Ordinal))
            {
                throw new MkcdrecException(ExitCode.Environment, $"{soname} is not installed; mkcdrec needs it in the rescue system for hashing and encryption.",
                    "Install it (Debian/Ubuntu: apt-get install libssl3) and build the rescue system again.");
            }
            else
            {
                notes.Add($"library {soname} (opened at run time) not found; left out");
            }
        }

        var libs = closure.Resolve(programs.Select(p => p.Path).Concat(dlopen));
        // The mkcdrec binary goes to /usr/bin/mkcdrec whatever its host path is; only its libraries keep theirs.
        var mk = closure.Resolve([mkcdrec]);
        var libraryFiles = mk.Libraries.Select(l => l.RealPath).ToHashSet(StringComparer.Ordinal);
        foreach (var m in libs.Missing.Concat(mk.Missing))
        {
            notes.Add($"library {m.Name} needed by {m.NeededBy} not found: {m.Reason}");
        }

        var links = libs.Symlinks.Concat(mk.Symlinks.Where(l => l.Key != mkcdrec && !mkcdrec.StartsWith(l.Key + "/", StringComparison.Ordinal)));
        foreach (var (link, target) in links.OrderBy(l => l.Key.Count(ch => ch == '/')).ThenBy(l => l.Key, StringComparer.Ordinal))
        {
            tree.AddLink(link, target);
        }

        tree.AddHostFile(RescueBinary, mkcdrec, 0x1ED);
        foreach (var f in libs.Files.Concat(mk.Files.Where(libraryFiles.Contains)))
        {
            tree.AddHostFile(f, f, 0x1ED);
        }

        var rescuePrograms = new List<string> { RescueBinary };
        foreach (var (path, p) in programs)
        {
            rescuePrograms.Add(path);
            var dir = path[..path.LastIndexOf('/')];
            foreach (var l in p.Links)
            {
                // Where the host has that name (the kernel runs /sbin/modprobe, not /usr/bin/modprobe), else beside the program.
                var hostDir = CommandDirectories.FirstOrDefault(d => files.FileExists(d + "/" + l) || files.ReadLink(d + "/" + l) is not null);
                if (hostDir is not null && tree.Canonical(hostDir + "/x") != tree.Canonical(dir + "/x"))
                {
                    tree.AddLink(hostDir + "/" + l, tree.Canonical(path));
                }
                else
                {
                    tree.AddLink(dir + "/" + l, Path.GetFileName(path));
                }
            }
        }

        // busybox applets for everything no real program provides (a real mount, kmod's modprobe … win).
        var busybox = programs.FirstOrDefault(p => p.Program.Name == "busybox").Path;
        if (busybox is not null)
        {
            AddApplets(tree, busybox, programs);
        }

        // 4. Kernel modules and their indexes, firmware.
        var index = KernelModuleIndex.Load(files, modulesDir);
        var wanted = components.SelectMany(c => c.Modules).Concat(options.ExtraModules).ToList();
        if (options.LoadedModules)
        {
            wanted.AddRange(LoadedModules());
        }

        var modules = index.Resolve(wanted.Distinct(StringComparer.Ordinal));
        if (modules.NotFound.Count > 0)
        {
            notes.Add($"modules not in kernel {release}: {string.Join(' ', modules.NotFound)}");
        }

        foreach (var m in modules.Modules)
        {
            tree.AddHostFile(modulesDir + "/" + m, modulesDir + "/" + m, 0x1A4);
        }

        foreach (var (name, data) in RunDepmod(options.WorkDirectory, release, modulesDir, modules.Modules))
        {
            tree.AddData(modulesDir + "/" + name, data);
        }

        var firmware = options.Firmware ? AddFirmware(tree, release, modulesDir, modules.Modules, notes) : [];

        // 5. Data files of the components, configuration, our scripts.
        _excluded = components.SelectMany(c => c.ExcludePaths).ToHashSet(StringComparer.Ordinal);
        foreach (var c in components)
        {
            foreach (var d in c.DataPaths)
            {
                AddHostPath(tree, d, depth: 0);
            }
        }

        foreach (var t in Terminfo)
        {
            foreach (var root in new[] { "/lib/terminfo/", "/usr/share/terminfo/" })
            {
                if (files.FileExists(root + t))
                {
                    AddHostPath(tree, root + t, 0);
                }
            }
        }

        AddConfiguration(tree, options, release, header.Version!, components, modules);

        // 6. Write the kernel and the initramfs.
        Directory.CreateDirectory(options.WorkDirectory);
        var kernelOut = Path.Combine(options.WorkDirectory, KernelFileName);
        using (var src = files.OpenRead(kernel))
        {
            AtomicFile.Write(kernelOut, src.CopyTo);
        }

        var initrd = Path.Combine(options.WorkDirectory, InitramfsFileName);
        long raw = 0;
        AtomicFile.Write(initrd, output =>
        {
            using var z = OpenCompressor(output, options);
            using var w = new CpioWriter(z, leaveOpen: true);
            tree.WriteTo(w, files.OpenRead, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            w.Finish();
            raw = w.Position;
        });
        var size = new FileInfo(initrd).Length;
        _log.Info($"rescue: {initrd}: {size / 1048576.0:0.0} MiB ({raw / 1048576.0:0.0} MiB uncompressed), {modules.Modules.Count} modules, {rescuePrograms.Count} programs, {sw.Elapsed.TotalSeconds:0.0} s");
        foreach (var n in notes)
        {
            _log.Info("rescue: note: " + n);
        }

        return new RescueSystem
        {
            KernelPath = kernelOut,
            InitramfsPath = initrd,
            KernelVersion = release,
            KernelVersionText = header.Version!,
            InitramfsBytes = size,
            UncompressedBytes = raw,
            Modules = modules.Modules,
            Programs = rescuePrograms,
            SkippedPrograms = skipped,
            Firmware = firmware,
            Notes = notes,
            Entries = tree.Nodes.Count,
            Elapsed = sw.Elapsed,
        };
    }

    /// <summary>The kernel to use and its header; a clear error when the kernel or its modules are not there.</summary>
    public (string Path, BzImageHeader Header) FindKernel(string? explicitKernel)
    {
        var candidates = InstalledKernels();
        string Candidates() => candidates.Count == 0
            ? "No kernel with modules is installed in /boot; install one (Debian: apt-get install linux-image-amd64) and pass it with --kernel."
            : "Pass one of the installed kernels with --kernel: " + string.Join(", ", candidates) + ".";

        string path;
        if (explicitKernel is not null)
        {
            path = explicitKernel;
            if (!files.FileExists(path))
            {
                throw new MkcdrecException(ExitCode.Usage, $"The kernel '{path}' does not exist.", Candidates());
            }
        }
        else
        {
            var running = (files.ReadText("/proc/sys/kernel/osrelease") ?? "").Trim();
            path = "/boot/vmlinuz-" + running;
            if (running.Length == 0 || !files.FileExists(path))
            {
                throw new MkcdrecException(ExitCode.Environment,
                    $"The running kernel{(running.Length > 0 ? " " + running : "")} has no image at {path}, so the rescue system cannot use it.", Candidates());
            }
        }

        BzImageHeader header;
        try
        {
            using var s = files.OpenRead(path);
            header = BzImage.Read(s);
        }
        catch (InvalidDataException e)
        {
            throw new MkcdrecException(ExitCode.BadInput, $"'{path}' is not a bootable x86 kernel image: {e.Message}", Candidates(), e);
        }

        if (header.Release is null)
        {
            throw new MkcdrecException(ExitCode.BadInput, $"The kernel '{path}' carries no version string, so its modules cannot be found.", Candidates());
        }

        if (!files.FileExists($"/lib/modules/{header.Release}/modules.dep"))
        {
            var what = explicitKernel is null ? "The running kernel" : "The kernel";
            throw new MkcdrecException(ExitCode.Environment,
                $"{what} {header.Release} ({path}) has no modules in /lib/modules/{header.Release}, and the rescue system needs its storage, filesystem and network modules.",
                Candidates());
        }

        return (path, header);
    }

    /// <summary>/boot/vmlinuz-* whose modules are installed.</summary>
    public IReadOnlyList<string> InstalledKernels() =>
        files.ListDirectory("/boot").Where(n => n.StartsWith("vmlinuz-", StringComparison.Ordinal))
            .Where(n => files.FileExists($"/lib/modules/{n["vmlinuz-".Length..]}/modules.dep"))
            .Select(n => "/boot/" + n).Order(StringComparer.Ordinal).ToList();

    private string? FindProgram(RescueProgram p)
    {
        var places = p.Paths.Count > 0 ? p.Paths : CommandDirectories.Select(d => d + "/" + p.Name);
        return places.FirstOrDefault(files.FileExists);
    }

    private IEnumerable<string> LoadedModules() =>
        (files.ReadText("/proc/modules") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]);

    private void AddApplets(RescueImageTree tree, string busybox, List<(string Path, RescueProgram Program)> programs)
    {
        var real = programs.SelectMany(p => p.Program.Links.Append(Path.GetFileName(p.Path)).Append(p.Program.Name)).ToHashSet(StringComparer.Ordinal);
        var r = runner.Run(busybox, "--list-full");
        var applets = r.ExitCode == 0
            ? r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(a => "/" + a)
            : runner.RunChecked(busybox, "--list").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(a => "/usr/bin/" + a);
        var target = tree.Canonical(busybox);
        foreach (var a in applets)
        {
            var name = Path.GetFileName(a);
            if (name.Length == 0 || name == "busybox" || real.Contains(name))
            {
                continue;
            }

            tree.AddLink(a, target);
        }

        tree.AddLink("/bin/sh", target);
    }

    /// <summary>Runs depmod over a staging tree of links to the chosen modules; returns the index files it wrote.</summary>
    private List<(string Name, byte[] Data)> RunDepmod(string work, string release, string modulesDir, IReadOnlyList<string> modules)
    {
        var stage = Path.Combine(work, "depmod-stage");
        if (Directory.Exists(stage))
        {
            Directory.Delete(stage, recursive: true);
        }

        var stageModules = Path.Combine(stage, "lib", "modules", release);
        Directory.CreateDirectory(stageModules);
        foreach (var m in modules)
        {
            var link = Path.Combine(stageModules, m);
            Directory.CreateDirectory(Path.GetDirectoryName(link)!);
            File.CreateSymbolicLink(link, modulesDir + "/" + m);
        }

        // What depmod reads besides the modules: the order and the built-in list.
        foreach (var f in new[] { "modules.order", "modules.builtin", "modules.builtin.modinfo" })
        {
            if (files.FileExists(modulesDir + "/" + f))
            {
                using var src = files.OpenRead(modulesDir + "/" + f);
                using var dst = File.Create(Path.Combine(stageModules, f));
                src.CopyTo(dst);
            }
        }

        runner.RunChecked("depmod", "-b", stage, release);
        var result = new List<(string, byte[])>();
        foreach (var f in Directory.GetFiles(stageModules, "modules.*").Order(StringComparer.Ordinal))
        {
            result.Add((Path.GetFileName(f), File.ReadAllBytes(f)));
        }

        if (!result.Any(r => r.Item1 == "modules.dep"))
        {
            throw new MkcdrecException(ExitCode.CommandFailed, $"depmod -b {stage} {release} wrote no modules.dep.", "Check that kmod's depmod works on this machine.");
        }

        Directory.Delete(stage, recursive: true);
        return result;
    }

    private List<string> AddFirmware(RescueImageTree tree, string release, string modulesDir, IReadOnlyList<string> modules, List<string> notes)
    {
        var added = new List<string>();
        if (modules.Count == 0)
        {
            return added;
        }

        var r = runner.Run(new ProcessRequest("modinfo", ["-k", release, "-F", "firmware", .. modules.Select(m => modulesDir + "/" + m)]));
        if (r.ExitCode != 0)
        {
            notes.Add($"modinfo -F firmware failed (exit {r.ExitCode}); no firmware added");
            return added;
        }

        foreach (var name in r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal))
        {
            var found = new[] { "", ".xz", ".zst" }.Select(ext => "/lib/firmware/" + name + ext).FirstOrDefault(p => files.FileExists(p) || files.ReadLink(p) is not null);
            if (found is null)
            {
                continue;
            }

            AddHostPath(tree, found, 0);
            added.Add(found);
        }

        return added;
    }

    /// <summary>Copies a host file, link (and what it points to) or directory (recursively) to the same path.</summary>
    private void AddHostPath(RescueImageTree tree, string path, int depth)
    {
        if (depth > 32 || _excluded.Contains(path))
        {
            return;
        }

        if (files.ReadLink(path) is { } target)
        {
            tree.AddLink(path, target);
            var abs = target.StartsWith('/') ? target : path[..path.LastIndexOf('/')] + "/" + target;
            if (!tree.Contains(abs))
            {
                AddHostPath(tree, abs, depth + 1);
            }

            return;
        }

        if (files.DirectoryExists(path))
        {
            if (Path.GetFileName(path) == "monolithic")
            {
                return; // GRUB's prebuilt monolithic images: large and not used by grub-install
            }

            tree.AddDirectory(path);
            foreach (var n in files.ListDirectory(path))
            {
                AddHostPath(tree, path + "/" + n, depth + 1);
            }

            return;
        }

        if (files.FileExists(path))
        {
            if (path.EndsWith(".module", StringComparison.Ordinal))
            {
                return; // GRUB's unlinked module objects (debug copies of the .mod files)
            }

            tree.AddHostFile(path, path, IsExecutable(path) ? 0x1EDu : 0x1A4u);
        }
    }

    private bool IsExecutable(string path)
    {
        try
        {
            using var s = files.OpenRead(path);
            Span<byte> b = stackalloc byte[4];
            var n = s.Read(b);
            return (n >= 4 && b[0] == 0x7F && b[1] == (byte)'E' && b[2] == (byte)'L' && b[3] == (byte)'F') || (n >= 2 && b[0] == '#' && b[1] == '!');
        }
        catch (IOException)
        {
            return false;
        }
    }

    private void AddConfiguration(RescueImageTree tree, RescueSystemOptions options, string release, string versionText,
        IReadOnlyList<RescueComponent> components, ModuleClosure modules)
    {
        var layout = options.Layout;
        var host = layout?.Host.Hostname is { Length: > 0 } h ? h : (files.ReadText("/proc/sys/kernel/hostname") ?? "localhost").Trim();
        if (layout is not null)
        {
            tree.AddText(RescueLayout, LayoutSerializer.Serialize(layout));
            tree.AddLink("/var/lib/mkcdrec/layout.json", RescueLayout);
            tree.AddText("/etc/mkcdrec/network.conf", NetworkConfig(layout.Network));
        }

        // The host's mkcdrec configuration, without anything that looks like a secret.
        foreach (var n in files.ListDirectory("/etc/mkcdrec"))
        {
            var lower = n.ToLowerInvariant();
            if (n == "layout.json" || lower.Contains("key") || lower.Contains("pass") || lower.Contains("secret") || !files.FileExists("/etc/mkcdrec/" + n))
            {
                continue;
            }

            tree.AddHostFile("/etc/mkcdrec/" + n, "/etc/mkcdrec/" + n, 0x1A4);
        }

        // Modules /init loads explicitly: the ones no device announces (filesystems, RAID, device mapper, crypto).
        // The rest (xfs, btrfs, raid personalities, dm targets, crypto) the kernel loads on first use through /sbin/modprobe.
        var boot = components.SelectMany(c => c.BootModules)
            .Select(KernelModuleIndex.Normalize).Distinct(StringComparer.Ordinal).Where(n => !modules.NotFound.Contains(n)).ToList();
        tree.AddText("/etc/mkcdrec/modules", string.Join('\n', boot) + "\n");

        var conf = new StringBuilder();
        conf.Append("# Written by mkcdrec when this rescue system was built.\n");
        conf.Append($"MKCDREC_HOST='{QuoteForShell(host)}'\n");
        conf.Append($"MKCDREC_BUILT='{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC'\n");
        conf.Append($"MKCDREC_KERNEL='{QuoteForShell(release)}'\n");
        conf.Append($"MKCDREC_SSHD={(options.Sshd ? 1 : 0)}\n");
        conf.Append($"MKCDREC_LAYOUT={(layout is null ? "" : RescueLayout)}\n");
        conf.Append($"MKCDREC_KERNEL_VERSION='{QuoteForShell(versionText)}'\n");
        tree.AddText("/etc/mkcdrec/rescue.conf", conf.ToString());

        tree.AddText("/etc/hostname", host + "\n");
        tree.AddText("/etc/hosts", $"127.0.0.1\tlocalhost\n127.0.1.1\t{host}\n::1\tlocalhost ip6-localhost ip6-loopback\n");
        tree.AddText("/etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\nsshd:x:100:65534::/run/sshd:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
        tree.AddText("/etc/shadow", "root:*:19000:0:99999:7:::\nsshd:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n", 0x180);
        // The groups udev rules name, so udevd does not complain about unknown groups.
        tree.AddText("/etc/group", string.Join('\n', new[]
        {
            "root:x:0:", "tty:x:5:", "disk:x:6:", "lp:x:7:", "kmem:x:15:", "dialout:x:20:", "cdrom:x:24:", "floppy:x:25:", "tape:x:26:",
            "audio:x:29:", "video:x:44:", "input:x:101:", "kvm:x:102:", "render:x:103:", "sgx:x:104:", "nogroup:x:65534:",
        }) + "\n");
        tree.AddText("/etc/nsswitch.conf", "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n");
        tree.AddText("/etc/profile", Resource("profile"));
        tree.AddText("/etc/lvm/lvm.conf", Resource("lvm.conf"));
        tree.AddText("/etc/fstab", "# The rescue system runs from RAM; nothing is mounted from here.\n");
        tree.AddText("/init", Resource("init"), 0x1ED);
        tree.AddText("/usr/lib/mkcdrec/menu", Resource("menu"), 0x1ED);
        tree.AddText("/usr/share/udhcpc/default.script", Resource("udhcpc.script"), 0x1ED);

        if (options.Sshd)
        {
            var keys = options.AuthorizedKeysFile ?? "/root/.ssh/authorized_keys";
            var text = files.ReadText(keys);
            if (string.IsNullOrWhiteSpace(text))
            {
                throw new MkcdrecException(ExitCode.Usage, $"sshd in the rescue system needs public keys, and '{keys}' is missing or empty.",
                    "Put the public keys allowed to log in (as root) into that file, or pass another file of authorized keys.");
            }

            tree.AddDirectory("/root/.ssh", 0x1C0);
            tree.AddText("/root/.ssh/authorized_keys", text, 0x180);
            tree.AddText("/etc/ssh/sshd_config", Resource("sshd_config"));
            tree.AddDirectory("/run/sshd", 0x1ED);
        }

    }

    /// <summary>The captured network for /init (mkcdrec.net=static), one line per fact, easy to read in sh.</summary>
    public static string NetworkConfig(NetworkInfo net)
    {
        ArgumentNullException.ThrowIfNull(net);
        var sb = new StringBuilder();
        sb.Append("# iface NAME MAC MTU ADDRESS/PREFIX...; route DEST GATEWAY DEVICE; dns SERVER; search DOMAIN\n");
        foreach (var i in net.Interfaces.Where(i => i.Name != "lo"))
        {
            sb.Append($"iface {i.Name} {i.Mac ?? "-"} {(i.Mtu is { } m ? m.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-")}");
            foreach (var a in i.Addresses)
            {
                sb.Append(' ').Append(a);
            }

            sb.Append('\n');
        }

        foreach (var r in net.Routes)
        {
            sb.Append($"route {(r.Destination.Length == 0 ? "default" : r.Destination)} {r.Gateway ?? "-"} {r.Device ?? "-"}\n");
        }

        foreach (var d in net.Nameservers)
        {
            sb.Append($"dns {d}\n");
        }

        foreach (var d in net.SearchDomains)
        {
            sb.Append($"search {d}\n");
        }

        return sb.ToString();
    }

    private static string QuoteForShell(string s) => s.Replace("'", "'\\''", StringComparison.Ordinal);

    /// <summary>A file of Rescue/Files embedded in this assembly (the /init script, the menu …).</summary>
    public static string Resource(string name)
    {
        using var s = typeof(RescueSystemBuilder).Assembly.GetManifestResourceStream("Mkcdrec.Rescue." + name)
            ?? throw new InvalidOperationException($"The embedded resource Mkcdrec.Rescue.{name} is missing.");
        using var r = new StreamReader(s, Encoding.UTF8);
        return r.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    private static Stream OpenCompressor(Stream output, RescueSystemOptions options)
    {
        if (options.Compression == InitramfsCompressionKind.Zstd && NativeZstd.Available)
        {
            // The system's libzstd is 2-3x faster than the managed port at the same level (the archive engine uses it too).
            // The level check and the frame rules (window <= 8 MiB, checksum) are the same as InitramfsCompression's.
            var level = options.CompressionLevel ?? InitramfsCompression.DefaultZstdLevel;
            InitramfsCompression.CheckZstdLevel(level);
            var n = new NativeZstd.CompressStream(output, level, Math.Max(1, Environment.ProcessorCount));
            n.Set(NativeZstd.ChecksumFlag, 1);
            return n;
        }

        var z = InitramfsCompression.OpenCompressor(output, options.Compression, options.CompressionLevel, leaveOpen: true);
        if (z is CompressionStream cs)
        {
            cs.SetParameter(ZSTD_cParameter.ZSTD_c_nbWorkers, Math.Max(1, Environment.ProcessorCount));
        }

        return z;
    }

    internal static Assembly ResourceAssembly => typeof(RescueSystemBuilder).Assembly;
}
