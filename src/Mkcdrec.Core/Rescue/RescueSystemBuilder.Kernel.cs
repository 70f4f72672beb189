using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Storage;
using Mkcdrec.Formats.Kernel;

namespace Mkcdrec.Core.Rescue;

/// <summary>The kernel and its modules: which kernel, which modules (closed over modules.dep), their depmod indexes, firmware.</summary>
public sealed partial class RescueSystemBuilder
{
    /// <summary>The kernel to use, its release and its whole version string; a clear error when the kernel or its modules are not there.</summary>
    public (string Path, string Release, string Version) FindKernel(string? explicitKernel)
    {
        var candidates = InstalledKernels();
        string Candidates() => candidates.Count == 0
            ? $"No kernel with modules is installed in /boot; install one (Debian: apt-get install linux-image-{MachineArchitecture.Host?.Debian ?? "amd64"}) and pass it with --kernel."
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

        var version = ReadVersion(path, Candidates);
        if (version is null)
        {
            throw new MkcdrecException(ExitCode.BadInput, $"The kernel '{path}' carries no version string, so its modules cannot be found.", Candidates());
        }

        var release = version.Split(' ', 2)[0];

        if (!files.FileExists($"/lib/modules/{release}/modules.dep"))
        {
            var what = explicitKernel is null ? "The running kernel" : "The kernel";
            throw new MkcdrecException(ExitCode.Environment,
                $"{what} {release} ({path}) has no modules in /lib/modules/{release}, and the rescue system needs its storage, filesystem and network modules.",
                Candidates());
        }

        return (path, release, version);
    }

    /// <summary>
    /// The version string of an x86 bzImage (its setup header points at it) or an arm64 Image (its banner), which must
    /// be this machine's kind (as the kernel says it; older kernels do not, and then the modules' check stands): the
    /// rescue system around it is made of this machine's programs.
    /// </summary>
    private string? ReadVersion(string path, Func<string> candidates)
    {
        try
        {
            using var s = files.OpenRead(path);
            var head = new byte[BzImage.HeadSize];
            var n = s.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            var arm64 = Arm64Image.LooksLikeOne(head.AsSpan(0, n));
            if (MachineArchitecture.For(files.ReadText("/proc/sys/kernel/arch")?.Trim() ?? "?") is { } here && arm64 != (here == MachineArchitecture.Aarch64))
            {
                throw new MkcdrecException(ExitCode.BadInput, $"'{path}' is {(arm64 ? "an arm64" : "an x86")} kernel image, and this machine is {here.Uname}.", candidates());
            }

            if (!arm64)
            {
                return BzImage.Read(head.AsSpan(0, n)).Version;
            }

            s.Seek(0, SeekOrigin.Begin);
            return Arm64Image.Read(s).Version;
        }
        catch (InvalidDataException e)
        {
            throw new MkcdrecException(ExitCode.BadInput, $"'{path}' is not a bootable kernel image of this machine: {e.Message}", candidates(), e);
        }
    }

    /// <summary>/boot/vmlinuz-* whose modules are installed.</summary>
    public IReadOnlyList<string> InstalledKernels() =>
        files.ListDirectory("/boot").Where(n => n.StartsWith("vmlinuz-", StringComparison.Ordinal))
            .Where(n => files.FileExists($"/lib/modules/{n["vmlinuz-".Length..]}/modules.dep"))
            .Select(n => "/boot/" + n).Order(StringComparer.Ordinal).ToList();

    /// <summary>The modules the components, the options and (when asked) the running kernel name, with their dependencies and depmod's indexes.</summary>
    private ModuleClosure AddModules(RescueImageTree tree, RescueSystemOptions options, List<RescueComponent> components, string release,
        string modulesDir, List<string> notes)
    {
        var index = KernelModuleIndex.Load(files, modulesDir);
        var wanted = components.SelectMany(c => c.Modules).Concat(options.ExtraModules).ToList();
        if (options.LoadedModules)
        {
            wanted.AddRange(LoadedModules());
        }

        var modules = index.Resolve(wanted.Distinct(StringComparer.Ordinal));
        ThrowWhenExtraModulesMissing(options, release, modules.NotFound);
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

        return modules;
    }

    private IEnumerable<string> LoadedModules() =>
        (files.ReadText("/proc/modules") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]);

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
}
