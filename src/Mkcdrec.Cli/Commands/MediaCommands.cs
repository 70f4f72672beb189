using System.CommandLine;
using System.Globalization;
using Mkcdrec.Cli.Json;
using Mkcdrec.Core;
using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Destinations;
using Mkcdrec.Core.Destinations.Routing;
using Mkcdrec.Core.Media;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Rescue;
using Mkcdrec.Core.Workflows;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Cli.Commands;

/// <summary>mkrescue and mkbackup: thin commands over <see cref="MediaWorkflows"/>.</summary>
internal static class MediaCommands
{
    private static string Version => typeof(MediaCommands).Assembly.GetName().Version?.ToString(3) ?? "0";

    internal static Option<string> Output() => new("--output", "-o")
    {
        Description = $"Directory for the ISO(s) and their .sha256 files (default {MediaWorkflows.DefaultOutputDir}).",
        HelpName = "DIR",
        DefaultValueFactory = _ => MediaWorkflows.DefaultOutputDir,
    };

    internal static Option<string?> Kernel() => new("--kernel") { Description = "The rescue kernel (default: the running one, /boot/vmlinuz-$(uname -r)).", HelpName = "FILE" };

    internal static Option<string?> Initrd() => new("--initrd")
    {
        Description = "Use this initramfs as the rescue system instead of building one from this host (it must honour mkcdrec.medium=).",
        HelpName = "FILE",
    };

    internal static Option<string?> Label() => new("--label") { Description = "Volume label (default MKCDREC_<HOST>_<YYYYMMDD>; ≤ 32 of A-Z 0-9 _).", HelpName = "L" };

    internal static Option<string?> LayoutFile() => new("--layout")
    {
        Description = $"Use this saved layout instead of capturing the live one (capturing also saves it to {LayoutWorkflows.DefaultLayoutPath}).",
        HelpName = "FILE",
    };

    internal static Option<int> Timeout() => new("--timeout") { Description = "Boot menu timeout in seconds (default 5).", HelpName = "S", DefaultValueFactory = _ => 5 };

    internal static Option<bool> Simulate() => new("--simulate") { Description = "List the steps and do nothing." };

    public static Command MkRescue()
    {
        var output = Output();
        var kernel = Kernel();
        var initrd = Initrd();
        var label = Label();
        var layout = LayoutFile();
        var timeout = Timeout();
        var simulate = Simulate();
        var secureBoot = SecureBootOption.Create();
        var format = new Option<string>("--format") { Description = "iso (default): a hybrid ISO for CD/DVD/USB, BIOS and UEFI; netboot: files for a TFTP/HTTP server.", HelpName = "iso|netboot", DefaultValueFactory = _ => "iso" };
        format.AcceptOnlyFromAmong("iso", "netboot");
        var url = new Option<string?>("--backup-url") { Description = "netboot: the URL of the backup directory the rescue system fetches (mkcdrec.backup=URL).", HelpName = "URL" };
        var extras = new RescueExtrasOptions();
        var cmd = new Command("mkrescue", "Write the bootable rescue medium only, without a backup.")
        {
            output, kernel, initrd, label, layout, timeout, secureBoot, format, url, simulate,
        };
        foreach (var o in extras.All)
        {
            cmd.Add(o);
        }

        cmd.SetAction(int (ParseResult p) =>
        {
            using var ctx = CliContext.Create(p, "mkrescue");
            var w = Workflows(ctx, p.GetValue(layout), null);
            if (p.GetValue(simulate))
            {
                MediaWorkflows.MkRescueSteps(w).Describe().ToList().ForEach(Console.WriteLine);
                return 0;
            }

            var fmt = p.GetValue(format)!;
            if (p.GetValue(url) is not null && fmt != "netboot")
            {
                throw new MkcdrecException(ExitCode.Usage, "--backup-url is for --format netboot.", "Add --format netboot, or drop --backup-url.");
            }

            var work = TempWork();
            try
            {
                var c = w.Run(MediaWorkflows.MkRescueSteps(w), new MediaWorkflows.Context
                {
                    OutputDir = p.GetValue(output)!,
                    Host = Host(),
                    Rescue = RescueSource(ctx, p.GetValue(kernel), p.GetValue(initrd), extras.Extras(p, p.GetValue(initrd) is not null, ctx.Log.Warn), p.GetValue(url)),
                    Label = CheckLabel(p.GetValue(label)),
                    Format = fmt,
                    BackupUrl = p.GetValue(url),
                    TimeoutSeconds = p.GetValue(timeout),
                    SecureBoot = SecureBootOption.Mode(p.GetValue(secureBoot)),
                    MkcdrecVersion = Version,
                    WorkDir = work,
                });
                Report(ctx, c);
            }
            finally
            {
                RemoveWork(work);
            }

            return 0;
        });
        return cmd;
    }

    public static Command MkBackup()
    {
        var options = new MkBackupCommandOptions();
        var cmd = new Command("mkbackup", "Capture the layout, back up every filesystem and write a bootable rescue ISO carrying the backup.");
        options.AddTo(cmd);
        cmd.SetAction(int (ParseResult p) => RunMkBackup(p, options));
        return cmd;
    }

    private static int RunMkBackup(ParseResult p, MkBackupCommandOptions o)
    {
        using var ctx = CliContext.Create(p, "mkbackup");
        var w = Workflows(ctx, p.GetValue(o.Layout), null);
        if (p.GetValue(o.Simulate))
        {
            MediaWorkflows.MkBackupSteps(w).Describe().ToList().ForEach(Console.WriteLine);
            return 0;
        }

        var baseLabel = CheckLabel(p.GetValue(o.Label));
        var existing = p.GetValue(o.UseBackup);
        var separate = p.GetValue(o.BackupDir);
        var remote = p.GetValue(o.Dest) is { } d ? DestinationUrl.Parse(d) : null;
        CheckBackupPlacement(existing, separate, p.GetValue(o.Medium), remote);
        var incremental = IncrementalAt(p, o, existing, p.GetValue(o.Medium));
        var rescue = RescueSource(ctx, p.GetValue(o.Kernel), p.GetValue(o.Initrd), o.Rescue.Extras(p, p.GetValue(o.Initrd) is not null, ctx.Log.Warn), remote?.Text);
        var outputDir = separate is not null && p.GetResult(o.Output) is null or { Implicit: true }
            ? Path.GetDirectoryName(Path.GetFullPath(separate))!
            : Path.GetFullPath(p.GetValue(o.Output)!);
        var capacity = p.GetValue(o.Medium) is { } m ? VolumeSizes.Parse(m) : (long?)null;

        // The destination is reached first: wrong credentials or an unknown host key stop the run before the long steps.
        // --backup-dir with --incremental keeps named backups (DIR/HOST/TIME) there, as mkbackuponly --dest DIR does.
        var storeUrl = remote ?? (separate is not null && incremental ? DestinationUrl.Parse(Directory.CreateDirectory(separate).FullName) : null);
        using var store = storeUrl is null ? null : BackupStores.Open(storeUrl, ctx.Log.Warn, ctx.Runner, ctx.Processes, ReadingCredentials.ForBackup(p.GetValue(o.CaFile)));
        var hooks = o.Hooks.Hooks(p);
        if (existing is not null && (hooks.PreBackup ?? hooks.PostBackup ?? hooks.PostRecovery) is not null)
        {
            throw new MkcdrecException(ExitCode.Usage, "The backup hooks run around a new backup; --use-backup puts a finished one on the media.",
                "Drop --pre-backup-hook/--post-backup-hook/--post-recovery-hook, or make a new backup instead of --use-backup.");
        }

        var (source, staging, events) = existing is not null
            ? (new ExistingBackup(existing), null, null)
            : NewSystemBackup(ctx, p, o, hooks, separate, outputDir, capacity, store is null ? null : (store, storeUrl!));
        using var disposeSource = source as IDisposable; // the previous ISO a carried chain is read from stays mounted until the new one is written
        if ((separate ?? staging) is { } dest)
        {
            Directory.CreateDirectory(dest);
        }

        w = Workflows(ctx, p.GetValue(o.Layout), separate ?? staging);
        var work = TempWork();
        try
        {
            var c = w.Run(MediaWorkflows.MkBackupSteps(w), new MediaWorkflows.Context
            {
                OutputDir = outputDir,
                Host = Host(),
                Rescue = rescue,
                Backup = source,
                SeparateBackupDir = separate,
                StagingBackupDir = staging,
                MediumCapacity = capacity,
                Label = baseLabel,
                TimeoutSeconds = p.GetValue(o.Timeout),
                SecureBoot = SecureBootOption.Mode(p.GetValue(o.SecureBoot)),
                MkcdrecVersion = Version,
                WorkDir = work,
            });
            events?.EndProgress();
            if (staging is not null)
            {
                RemoveWork(staging); // it is on the media now
            }

            Report(ctx, c);
        }
        finally
        {
            RemoveWork(work);
        }

        return hooks.FailureError() is { } hookFailed ? throw hookFailed : 0;
    }

    /// <summary>--use-backup, --backup-dir and --dest exclude each other, and --medium splits only a backup carried on the media.</summary>
    private static void CheckBackupPlacement(string? existing, string? separate, string? medium, DestinationUrl? remote)
    {
        if (remote is not null)
        {
            if (existing is not null || separate is not null || medium is not null)
            {
                throw new MkcdrecException(ExitCode.Usage, "--dest sends a new backup off the machine; --use-backup, --backup-dir and --medium place a backup on or beside the media.",
                    "Give --dest alone, or one of the others.");
            }

            if (remote.Kind is DestinationKind.Directory or DestinationKind.Http)
            {
                throw new MkcdrecException(ExitCode.Usage, $"--dest {remote} is not a destination off the machine (sftp://, nfs:// or s3://).",
                    remote.Kind == DestinationKind.Directory ? "For a directory (a USB disk), use --backup-dir DIR." : "http(s):// is for fetching only; give an sftp://, nfs:// or s3:// URL.");
            }
        }

        if (existing is not null && separate is not null)
        {
            throw new MkcdrecException(ExitCode.Usage, "--use-backup puts an existing backup on the media; --backup-dir makes a new one in a directory.", "Give one of the two.");
        }

        if (separate is not null && medium is not null)
        {
            throw new MkcdrecException(ExitCode.Usage, "--medium splits a backup carried on the media; with --backup-dir the backup is not on them.", "Drop one of the two options.");
        }
    }

    /// <summary>
    /// A new backup of this system (root only): into --backup-dir, or into a staging directory in the output directory
    /// (cleared first) that goes onto the media. Returns the source, the staging directory and the progress events.
    /// </summary>
    private static (IBackupSource Source, string? Staging, ArchiveCommands.CliEvents? Events) NewSystemBackup(
        CliContext ctx, ParseResult p, MkBackupCommandOptions o, BackupHooks hooks, string? separate, string outputDir, long? capacity, (IBackupStore Store, DestinationUrl Url)? remote)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw MkcdrecException.NeedsRoot("'mkcdrec mkbackup'");
        }

        if (p.GetValue(o.Encrypt) && p.GetValue(o.PassphraseFile) is null)
        {
            throw new MkcdrecException(ExitCode.Usage, "--encrypt needs --passphrase-file.", "Give --passphrase-file FILE, or '-' to type the passphrase.");
        }

        var options = new BackupOptions
        {
            Compression = ArchivePipeline.Parse(p.GetValue(o.Compress)!),
            Passphrase = p.GetValue(o.Encrypt) ? ArchiveCommands.ReadPassphrase(p.GetValue(o.PassphraseFile)!, confirm: true) : null,
            VolumeSize = p.GetValue(o.VolumeSize) is { } vs ? VolumeSizes.Parse(vs) : capacity is { } c ? SystemBackup.VolumeSizeFor(c) : 0,
            // never back up the media themselves (older ISOs in the output directory), nor named backups kept in --backup-dir
            Excludes = [.. p.GetValue(o.Exclude) ?? [], outputDir.TrimEnd('/') + "/*", .. remote?.Url is { Kind: DestinationKind.Directory } dir ? [dir.Path.TrimEnd('/')] : Array.Empty<string>()],
            Incremental = p.GetValue(o.Incremental),
            MaxIncrements = MkBackupOnlyCommandOptions.MaxIncrementsOf(p, o.MaxIncrements),
            Hooks = hooks,
        };
        var events = new ArchiveCommands.CliEvents(ctx);
        if (remote is { } r)
        {
            return (new StoredSystemBackup(new StoreBackupWorkflow(ctx.Runner, ctx.FileSystem, ctx.Log, events), r.Store, r.Url, options), null, events);
        }

        var staging = separate is null ? Path.Combine(outputDir, ".mkbackup-staging") : null;
        var previousIso = Path.Combine(outputDir, MediaWriter.IsoName(Host(), 1, 1));
        var source = new SystemBackup(new BackupWorkflow(ctx.Runner, ctx.FileSystem, ctx.Log, events), options,
            options.Incremental ? () => CarriedChain.Open(ctx.Runner, ctx.Log, previousIso) : null);
        if (staging is not null && Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        return (source, staging, events);
    }

    /// <summary>
    /// --incremental continues the chain at a --dest, in --backup-dir (DIR/HOST/TIME), or on the ISO (the previous ISO's
    /// chain, carried again); not with --use-backup (no new backup) nor --medium (a chain is carried on a single ISO).
    /// </summary>
    private static bool IncrementalAt(ParseResult p, MkBackupCommandOptions o, string? existing, string? medium)
    {
        if (!p.GetValue(o.Incremental))
        {
            return false;
        }

        if (existing is not null)
        {
            throw new MkcdrecException(ExitCode.Usage, "--incremental makes a new increment; --use-backup puts a finished backup on the media.",
                "Drop one of the two (an increment made by mkbackuponly --dest DIR --incremental is recovered from DIR/HOST/latest).");
        }

        return medium is null ? true : throw new MkcdrecException(ExitCode.Usage, "--incremental with the backup on the media needs a single ISO: a chain is not carried on a set of media.",
            "Drop --medium, or keep the chain in a directory (--backup-dir DIR on a USB disk) or at a destination (--dest URL).");
    }

    /// <param name="backupDestination">mkbackup: where the backup goes (its disk is left out of the layout when it is a disk of its own).</param>
    private static MediaWorkflows Workflows(CliContext ctx, string? layoutPath, string? backupDestination)
    {
        var layouts = new LayoutWorkflows(ctx.Runner, ctx.Files, ctx.Log, Environment.IsPrivilegedProcess, Version);
        return new MediaWorkflows(ctx.Runner, ctx.Log, () =>
        {
            if (layoutPath is not null || backupDestination is not null)
            {
                return BackupCommands.LoadOrCapture(ctx, layoutPath, backupDestination ?? LayoutWorkflows.DefaultLayoutPath);
            }

            var doc = layouts.CaptureLive([]);
            LayoutWorkflows.WriteLayout(LayoutWorkflows.DefaultLayoutPath, doc);
            return doc;
        });
    }

    /// <summary>--initrd FILE: that initramfs (with --kernel or the running kernel); else the rescue system built from this host.</summary>
    /// <param name="extras">What the admin added (sshd, firmware, programs, modules); none with --initrd.</param>
    /// <param name="backupUrl">Where the rescue system fetches the backup from: it carries the NFS or SSH client that needs.</param>
    private static IRescueSystemSource RescueSource(CliContext ctx, string? kernel, string? initrd, RescueExtras extras, string? backupUrl = null)
    {
        if (initrd is null)
        {
            var schemes = backupUrl?.IndexOf("://", StringComparison.Ordinal) is > 0 and var i ? new[] { backupUrl[..i].ToLowerInvariant() } : [];
            var builder = new RescueSystemBuilder(ctx.Files, ctx.Runner, ctx.Log);
            var options = extras.ApplyTo(new Mkcdrec.Core.Rescue.RescueSystemOptions { WorkDirectory = "", Kernel = kernel, BackupSchemes = schemes });
            builder.CheckExtras(options); // a wrong key file, program or module stops the run now, not after the backup
            return new BuiltRescueSystem(builder, options, ctx.Log);
        }

        return new PrebuiltRescueSystem(kernel ?? RunningKernel(), initrd);
    }

    private static string RunningKernel()
    {
        var release = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : "";
        var path = "/boot/vmlinuz-" + release;
        if (release.Length == 0 || !File.Exists(path))
        {
            throw new MkcdrecException(ExitCode.Environment, $"The running kernel's image {path} is not there.",
                "Install the kernel package (Debian: apt-get install linux-image-amd64) or give --kernel FILE.");
        }

        return path;
    }

    /// <summary>What the rescue system needs besides the medium to reach a backup off the machine (never on the medium).</summary>
    private static string RemoteCredentialsHint(string url) => DestinationUrl.Parse(url).Kind switch
    {
        DestinationKind.Sftp => "To recover, attach a keys medium (label MKCDREC-KEYS) holding ssh/known_hosts with the server's host key and ssh/id_… "
                                + "with a login key for it (docs/secrets.md); the rescue medium carries neither.",
        DestinationKind.S3 => "To recover, attach a keys medium (label MKCDREC-KEYS) holding s3/credentials (the AWS file format) for the bucket "
                              + "(docs/secrets.md); the rescue medium carries no credentials.",
        _ => "To recover, the rescue system mounts the export itself: the server must let the recovered machine's address mount it.",
    };

    private static string? CheckLabel(string? label)
    {
        if (label is not null && !MediumLabel.IsValid(label))
        {
            throw new MkcdrecException(ExitCode.Usage, $"'{label}' is not a valid medium label.", $"Use at most {MediumLabel.MaxLength} characters A-Z, 0-9 and _.");
        }

        return label;
    }

    internal static string Host()
    {
        var h = File.Exists("/proc/sys/kernel/hostname") ? File.ReadAllText("/proc/sys/kernel/hostname").Trim() : "";
        return h.Length > 0 ? h : Environment.MachineName;
    }

    private static string TempWork()
    {
        var d = Path.Combine(Path.GetTempPath(), $"mkcdrec-media-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(d);
        return d;
    }

    private static void RemoveWork(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void Report(CliContext ctx, MediaWorkflows.Context c)
    {
        if (ctx.Json)
        {
            var files = (c.Media?.Isos.Select(i => i.Path) ?? c.NetbootFiles).ToList();
            var media = (c.Media?.Isos ?? []).Zip(c.Media?.Media ?? [])
                .Select(m => new MediumOutput(m.First.Path, m.Second.Label, m.Second.Index, m.Second.Count, m.First.Bytes, m.First.Sha256, m.Second.Media[m.Second.Index - 1].Files.Count))
                .ToList();
            CliJson.WriteLine(new MediaOutput(files, media, c.Media?.Elapsed.TotalSeconds ?? 0, c.SecureBootSummary), CliJsonContext.Default.MediaOutput);
            return;
        }

        if (c.Rescue is BuiltRescueSystem { Result: { } rs })
        {
            Console.WriteLine($"Rescue system: kernel {rs.KernelVersion}, initramfs {Mib(rs.InitramfsBytes)} MiB ({rs.Modules.Count} modules, {rs.Programs.Count} programs), built in {rs.Elapsed.TotalSeconds:0.0} s.");
        }

        if (c.Media is { } m)
        {
            foreach (var (iso, doc) in m.Isos.Zip(m.Media))
            {
                Console.WriteLine($"{iso.Path}: medium {doc.Index} of {doc.Count}, label {doc.Label}, {Mib(iso.Bytes)} MiB" +
                    (doc.Media[doc.Index - 1].Files.Count > 0 ? $", {doc.Media[doc.Index - 1].Files.Count} backup volume(s)" : "") +
                    (doc.Bootable ? $", boots ({((MachineArchitecture.Host ?? MachineArchitecture.X86_64).HasBios ? "BIOS and UEFI" : "UEFI")}, CD or USB)" : ""));
            }

            Console.WriteLine($"Wrote {m.Isos.Count} ISO(s), {Mib(m.TotalBytes)} MiB in all, in {m.Elapsed.TotalSeconds:0.0} s; a .sha256 file beside each (check with sha256sum -c).");
            if (c.SecureBootSummary is { } secureBoot)
            {
                Console.WriteLine(secureBoot + ".");
            }
            if (c.SeparateBackupDir is not null)
            {
                var named = c.Backup is StoredSystemBackup { Result: { } r } ? $" as {r.Name}" + (r.Backup.Archives.Any(a => a.Since is not null) ? " (an increment)" : "") : "";
                Console.WriteLine($"The backup stays in {c.SeparateBackupDir}{named}." + (c.BackupLocation is { } at
                    ? $" The rescue medium finds it there by itself (filesystem UUID {at.FilesystemUuid}, {at.PathInFilesystem}) when its disk is attached."
                    : $" The rescue medium cannot find it by itself ({c.BackupLocationProblem}): in the rescue system, mount it and give its directory to Recover."));
            }

            if (c.Backup is SystemBackup { Chain: { Parent: { } parent } chain })
            {
                Console.WriteLine($"The backup is an increment on {parent.Link.Name}; the ISO carries its whole chain ({chain.CarriedLinks} older link(s) under /backup/parents).");
            }

            if (c.Backup is StoredSystemBackup { Result: { } stored, RescueUrl: { } url })
            {
                Console.WriteLine($"The backup is {stored.Name} at {stored.Destination}. The rescue medium fetches {url} (the newest complete backup then).");
                Console.WriteLine(RemoteCredentialsHint(url));
            }
        }
        else
        {
            c.NetbootFiles.ToList().ForEach(f => Console.WriteLine("wrote " + f));
            Console.WriteLine("Serve this directory as the TFTP root (pxelinux or GRUB netboot); see docs/rescue-media.md.");
        }
    }

    private static string Mib(long b) => (b / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture);
}

/// <summary>The medium-aware volume locator for verify / archive extract: asks on the terminal for the next medium.</summary>
internal static class MediaLocators
{
    /// <summary>The media locator when <paramref name="backupDir"/> is on a medium of a multi-medium set; else the directory one.</summary>
    public static IVolumeLocator For(string backupDir, CliContext ctx)
    {
        var set = MediaVolumeLocator.ReadSet(backupDir);
        return set is null || set.Count == 1
            ? DirectoryVolumeLocator.Instance
            : new MediaVolumeLocator(set, ctx.Runner, ctx.Files, new ConsolePrompt(), ctx.Log);
    }

    private sealed class ConsolePrompt : IMediumPrompt
    {
        public bool AskForMedium(string label, int index, int count, string volume)
        {
            Console.Error.Write($"The backup volume {volume} is on medium {index} of {count}. Insert medium {label} and press Enter (q to give up): ");
            var answer = ReadLineFromFd0();
            Console.Error.WriteLine();
            return answer is not null && !answer.Trim().Equals("q", StringComparison.OrdinalIgnoreCase);
        }

        /// <summary>
        /// One line from file descriptor 0 with plain read(2): in the rescue system stdin is often /dev/console without a
        /// controlling terminal, where Console.In's terminal set-up fails. Null at end of input.
        /// </summary>
        private static string? ReadLineFromFd0()
        {
            using var fd0 = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(0, ownsHandle: false), FileAccess.Read, 1);
            var bytes = new List<byte>();
            var b = new byte[1];
            while (true)
            {
                if (fd0.Read(b, 0, 1) <= 0)
                {
                    return bytes.Count > 0 ? System.Text.Encoding.UTF8.GetString(bytes.ToArray()) : null;
                }

                if (b[0] == (byte)'\n')
                {
                    return System.Text.Encoding.UTF8.GetString(bytes.ToArray()).TrimEnd('\r');
                }

                bytes.Add(b[0]);
            }
        }
    }
}
