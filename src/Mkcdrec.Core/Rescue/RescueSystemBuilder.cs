using System.Diagnostics;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Rescue;

/// <summary>
/// Builds the rescue system from the host itself: the kernel, an initramfs with the kernel modules for storage,
/// filesystems, RAID, device mapper, crypto, network and input (closed over modules.dep, indexed by depmod), the
/// programs the components declare with their shared-library closure, busybox, the mkcdrec binary, the layout,
/// and our /init and rescue menu. Reads the host through <see cref="ISystemFiles"/>, runs depmod/modinfo/busybox
/// through <see cref="IProcessRunner"/>, and writes only into the work directory. One partial file per job.
/// </summary>
public sealed partial class RescueSystemBuilder(ISystemFiles files, IProcessRunner runner, ILog? log = null)
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

    private static readonly string[] SkeletonDirectories =
        ["/dev", "/proc", "/sys", "/run", "/mnt", "/root", "/tmp", "/var/log", "/var/lib/mkcdrec", "/etc/mkcdrec", "/usr/bin", "/usr/sbin"];

    private readonly ILog _log = log ?? NullLog.Instance;
    private HashSet<string> _excluded = [];

    public RescueSystem Build(RescueSystemOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var sw = Stopwatch.StartNew();
        var notes = new List<string>();
        var needs = new RescueNeeds(options.Layout, options.Sshd) { BackupSchemes = options.BackupSchemes };
        var components = options.Components.Where(c => c.IncludedWhen(needs)).ToList();

        var (kernel, release, version) = FindKernel(options.Kernel);
        var modulesDir = "/lib/modules/" + release;
        _log.Info($"rescue: kernel {kernel} ({release})");

        var tree = NewSkeletonTree();
        var (programs, skipped) = FindPrograms(components, needs, options.ExtraPrograms);
        var mkcdrec = FindMkcdrecBinary(options);
        AddLibraries(tree, components, programs, mkcdrec, notes);
        var rescuePrograms = AddProgramLinks(tree, programs);
        AddBusyboxApplets(tree, programs);
        var modules = AddModules(tree, options, components, release, modulesDir, notes);
        var firmware = options.Firmware ? AddFirmware(tree, release, modulesDir, modules.Modules, notes) : [];
        AddDataFiles(tree, components);
        AddConfiguration(tree, options, release, version, components, modules);

        var kernelOut = WriteKernel(options.WorkDirectory, kernel);
        var (initrd, size, raw) = WriteInitramfs(tree, options);
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
            KernelVersionText = version,
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

    /// <summary>The top-level links of a merged /usr (as on the host), the standard directories, /dev/console and /dev/null.</summary>
    private RescueImageTree NewSkeletonTree()
    {
        var tree = new RescueImageTree();
        foreach (var top in TopLevelLinks)
        {
            if (files.ReadLink(top) is { } target)
            {
                tree.AddLink(top, target); // merged /usr: /lib → usr/lib, as on the host
            }
        }

        foreach (var d in SkeletonDirectories)
        {
            tree.AddDirectory(d, d switch { "/tmp" => 0x3FFu /* 1777 */, "/root" => 0x1C0u /* 0700 */, _ => 0x1EDu });
        }

        tree.AddCharDevice("/dev/console", 5, 1, 0x180);
        tree.AddCharDevice("/dev/null", 1, 3, 0x1B6);
        return tree;
    }
}
