using Mkcdrec.Core.Boot.SecureBoot;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Workflows;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Media;

/// <summary>The rescue kernel and initramfs to put on a medium.</summary>
public sealed record RescueImage(string KernelPath, string InitrdPath);

/// <summary>Where the rescue system comes from: the rescue-system builder, or files given by the user.</summary>
public interface IRescueSystemSource
{
    RescueImage Build(LayoutDocument layout, string workDir);
}

/// <summary>A kernel and an initramfs that already exist (--kernel, --initrd).</summary>
public sealed class PrebuiltRescueSystem(string kernelPath, string initrdPath) : IRescueSystemSource
{
    public RescueImage Build(LayoutDocument layout, string workDir)
    {
        foreach (var f in new[] { kernelPath, initrdPath })
        {
            if (!File.Exists(f))
            {
                throw new MkcdrecException(ExitCode.BadInput, $"The rescue system file {f} does not exist.", "Check the --kernel / --initrd paths.");
            }
        }

        return new RescueImage(kernelPath, initrdPath);
    }
}

/// <summary>Where the backup comes from: the whole-system backup workflow, or an existing backup directory.</summary>
public interface IBackupSource
{
    /// <summary>Makes (or finds) the backup; returns its directory (manifest.json + volumes), or null when it is not
    /// on this machine (<see cref="StoredSystemBackup"/>).</summary>
    string? Make(LayoutDocument layout, string destination);
}

/// <summary>A finished backup made earlier (mkcdrec mkbackuponly, archive create): only checked to have a manifest.</summary>
public sealed class ExistingBackup(string dir) : IBackupSource
{
    public string? Make(LayoutDocument layout, string destination)
    {
        MediaWriter.ReadBackup(dir);
        return dir;
    }
}

/// <summary>mkrescue / mkbackup as workflows of named, timed steps (--simulate lists them).</summary>
public sealed class MediaWorkflows
{
    public const string DefaultOutputDir = "/var/lib/mkcdrec/output";

    private readonly IProcessRunner _run;
    private readonly ILog _log;
    private readonly Func<LayoutDocument> _captureLayout;

    /// <param name="captureLayout">Captures (and saves) the live layout, or loads a given one.</param>
    public MediaWorkflows(IProcessRunner run, ILog log, Func<LayoutDocument> captureLayout)
    {
        _run = run;
        _log = log;
        _captureLayout = captureLayout;
    }

    public sealed class Context
    {
        public required string OutputDir { get; init; }

        public required string Host { get; init; }

        public required IRescueSystemSource Rescue { get; init; }

        /// <summary>mkbackup: where the backup comes from; null for mkrescue.</summary>
        public IBackupSource? Backup { get; init; }

        /// <summary>mkbackup --backup-dir: the backup stays in this directory, the ISO (rescue only) goes beside it.</summary>
        public string? SeparateBackupDir { get; init; }

        /// <summary>mkbackup without --backup-dir: where the new backup is made before it goes onto the media.</summary>
        public string? StagingBackupDir { get; init; }

        public long? MediumCapacity { get; init; }

        public string? Label { get; init; }

        /// <summary>"iso" or "netboot".</summary>
        public string Format { get; init; } = "iso";

        public string? BackupUrl { get; set; }

        public int TimeoutSeconds { get; init; } = 5;

        public string MkcdrecVersion { get; init; } = "";

        public required string WorkDir { get; init; }

        public LayoutDocument? Layout { get; set; }

        public RescueImage? Image { get; set; }

        public string? BackupDir { get; set; }

        public MediaResult? Media { get; set; }

        public IReadOnlyList<string> NetbootFiles { get; set; } = [];

        /// <summary>--backup-dir: where the rescue system finds the backup (on the medium's kernel command line).</summary>
        public BackupLocation? BackupLocation { get; set; }

        /// <summary>--backup-dir: why the rescue system cannot find the backup by itself, when it cannot.</summary>
        public string? BackupLocationProblem { get; set; }

        /// <summary>--secure-boot: the UEFI boot chain of the ISO.</summary>
        public SecureBootMode SecureBoot { get; init; } = SecureBootMode.Auto;

        /// <summary>What the ISO does with Secure Boot (the report's line); null for netboot.</summary>
        public string? SecureBootSummary { get; set; }
    }

    public static Workflow<Context> MkRescueSteps(MediaWorkflows w) => new Workflow<Context>("mkrescue")
        .Step("check tools", c => w.CheckTools(c))
        .Step("capture layout", c => c.Layout = w._captureLayout())
        .Step("build rescue system", c => c.Image = c.Rescue.Build(c.Layout!, c.WorkDir))
        .Step("write rescue medium", c => w.WriteOutput(c));

    public static Workflow<Context> MkBackupSteps(MediaWorkflows w) => new Workflow<Context>("mkbackup")
        .Step("check tools", c => w.CheckTools(c))
        .Step("capture layout", c => c.Layout = w._captureLayout())
        .Step("back up filesystems", c =>
        {
            c.BackupDir = c.Backup!.Make(c.Layout!, c.SeparateBackupDir ?? c.StagingBackupDir ?? Path.Combine(c.WorkDir, "backup"));
            c.BackupUrl = (c.Backup as StoredSystemBackup)?.RescueUrl ?? c.BackupUrl;
        })
        .Step("build rescue system", c => c.Image = c.Rescue.Build(c.Layout!, c.WorkDir))
        .Step("write rescue media", c => w.WriteOutput(c));

    public Context Run(Workflow<Context> workflow, Context c)
    {
        workflow.Run(c, _log);
        return c;
    }

    /// <summary>The machine the media are made for: this one (IsoBuilder refuses others before anything is written).</summary>
    private static MachineArchitecture MediaMachine => MachineArchitecture.Host ?? MachineArchitecture.X86_64;

    private void CheckTools(Context c)
    {
        if (c.Format == "iso")
        {
            new IsoBuilder(_run, _log).CheckPrerequisites(bootable: true);
            SecureBootMedia.CheckAvailable(c.SecureBoot, MediaMachine, "/", out _);
        }
    }

    private void WriteOutput(Context c)
    {
        if (c.Format == "netboot")
        {
            c.NetbootFiles = new NetbootWriter(_log).Write(c.OutputDir, c.Image!.KernelPath, c.Image.InitrdPath, c.BackupUrl, c.TimeoutSeconds);
            return;
        }

        if (c.SeparateBackupDir is { } separate)
        {
            c.BackupLocation = BackupLocation.Find(_run, separate, out var whyNot);
            if (c.BackupLocation is { } dir && (c.Backup as StoredSystemBackup)?.LatestInDirectory is { } latest)
            {
                c.BackupLocation = dir with { PathInFilesystem = dir.PathInFilesystem.TrimEnd('/') + "/" + latest };
            }

            c.BackupLocationProblem = whyNot;
            _log.Info(c.BackupLocation is { } at ? $"the rescue medium finds the backup at {at.KernelArgument}" : $"the rescue medium cannot find the backup by itself: {whyNot}");
        }

        var secureBoot = SecureBootMedia.Choose(c.SecureBoot, MediaMachine, c.Image!.KernelPath, c.Layout?.Boot.SecureBoot, _log);
        c.SecureBootSummary = secureBoot.Summary;
        c.Media = new MediaWriter(new IsoBuilder(_run, _log), _log).Write(new MediaOptions
        {
            SignedChain = secureBoot.Chain,
            ExtraKernelArguments = c.BackupLocation?.KernelArgument ?? (c.BackupUrl is { } url ? BootMenu.BackupArgument(url) : ""),
            OutputDir = c.OutputDir,
            KernelPath = c.Image!.KernelPath,
            InitrdPath = c.Image.InitrdPath,
            Host = c.Host,
            Label = c.Label,
            BackupDir = c.SeparateBackupDir is null ? c.BackupDir : null,
            CarriedLinks = (c.Backup as SystemBackup)?.Chain?.Grafts() ?? [],
            MediumCapacity = c.SeparateBackupDir is null && c.BackupDir is not null ? c.MediumCapacity : null,
            TimeoutSeconds = c.TimeoutSeconds,
            MkcdrecVersion = c.MkcdrecVersion,
            LayoutJson = System.Text.Encoding.UTF8.GetBytes(LayoutSerializer.Serialize(c.Layout!) + "\n"),
            WorkDir = Path.Combine(c.WorkDir, "media"),
        });
    }
}
