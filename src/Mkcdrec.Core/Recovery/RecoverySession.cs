using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Execution;
using Mkcdrec.Core.Planning;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Secrets;
using Mkcdrec.Core.Workflows;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Manifest;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Recovery;

/// <summary>
/// One recovery from start to end, as `mkcdrec recover` and the rescue menu drive it: find and check the backup
/// once, plan or resume from the journal, confirm, recreate the layout, restore and finalize (<see cref="RecoverWorkflow"/>).
/// The caller parses and renders; the drill plugs in through <see cref="IRecoveryHooks"/>.
/// </summary>
public sealed class RecoverySession(RecoveryServices services, IRecoveryUser user)
{
    /// <summary>The layout file the rescue system carries.</summary>
    public const string RescueLayoutPath = "/etc/mkcdrec/layout.json";

    /// <summary>Refuses to recover anywhere but as root on Linux.</summary>
    public static void RefuseUnlessRoot()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new MkcdrecException(ExitCode.Environment, "Recovery runs only on Linux.", "Boot the rescue system.");
        }

        if (!Environment.IsPrivilegedProcess)
        {
            throw MkcdrecException.NeedsRoot("'mkcdrec recover'");
        }
    }

    /// <summary>Refuses a full recovery that cannot work before anything happens (no log, no disk): no backup, a bad clone network, not root.</summary>
    public static void RefuseBadFullRecovery(IReadOnlyList<string> backups, string? network)
    {
        if (backups.Count == 0)
        {
            throw new MkcdrecException(ExitCode.Usage, "'mkcdrec recover' needs the backup: --backup DIR (the directory with manifest.json) or --backup URL (http:// or https://).",
                "Give --backup DIR; or --plan / --layout-only to recreate the layout without data.");
        }

        if (network is not null)
        {
            SystemFinalizer.ParseNet(network);
        }

        RefuseUnlessRoot();
    }

    /// <summary>The plan for the request's layout on this machine's disks (or the listed ones); changes nothing.</summary>
    public RecoveryPlan Plan(RecoveryRequest r)
    {
        // With a local backup the plan shown is the one its recovery runs: its kept LUKS headers restored, not formatted.
        var headers = r.Backups.FirstOrDefault(b => !BackupFetcher.IsUrl(b) && File.Exists(Path.Combine(b, BackupFiles.Manifest))) is { } dir
            ? LuksHeaderArchive.UuidsIn(ArchiveSource.Open(dir).Manifest) : null;
        var plan = PlanFor(r, LayoutWorkflows.Load(r.LayoutPath!), headers);
        services.Log.Info($"plan: {plan.Steps.Count} steps for {plan.Mappings.Count(m => m.TargetPath is not null)} disk(s)");
        return plan;
    }

    /// <summary>`recover --layout-only`: recreates (and mounts) the layout, resuming a recorded run of the same request.</summary>
    public ExecutionResult RecreateLayout(RecoveryRequest r)
    {
        var layoutPath = r.LayoutPath!;
        var requestKey = RecoverJournal.RequestKeyOf(File.Exists(layoutPath) ? File.ReadAllText(layoutPath) : "",
            [.. r.PlanKey, .. r.ExcludeDisks.Select(x => "exclude=" + x), .. r.Backups.Select(x => "backup=" + x)]);
        var plan = Resume(r.JournalPath, requestKey, layoutOnly: true) ?? Plan(r);
        RefuseUnlessRoot();
        Warn(plan);
        PlanExecutor.RefuseIdentifierConflicts(plan); // before any secret is asked for
        var current = TargetDiskDiscovery.Discover(services.Files, [], []);
        using var secrets = ResolveSecrets(r, plan, backupEncrypted: false);
        return new PlanExecutor(services.Runner, services.Blocks, services.Log).Execute(plan, ExecutorOptionsFor(r, requestKey, r.Yes, current, secrets));
    }

    /// <summary>`recover --backup`: the whole recovery of the first backup directory; <paramref name="hooks"/> act after restore and finalize.</summary>
    public RecoverResult Recover(RecoveryRequest r, IRecoveryHooks? hooks = null)
    {
        var dir = r.Backups[0];
        var layoutPath = r.LayoutPath ?? DefaultLayout(dir);
        services.Log.Info($"recover: backup {dir}, layout {layoutPath}");
        var layout = LayoutWorkflows.Load(layoutPath);
        // The kernel's word (6.1+) first, as capture takes it; the process's own architecture on older kernels.
        RecoveryArchitecture.Check(layout, services.Files.ReadText("/proc/sys/kernel/arch")?.Trim() ?? HostArchitecture.UnameMachine);

        // Opened once: its manifest decides the passphrase and the request key; the workflow checks and restores from it.
        var backup = ArchiveSource.Open(dir, r.BackupVolumes);
        backup.OpenParent = r.OpenParent;
        var requestKey = RecoverJournal.RequestKeyOf(File.ReadAllText(layoutPath),
            [.. r.PlanKey, "backup=" + (r.BackupUrl ?? Path.GetFullPath(dir)),
             "manifest=" + backup.Manifest.Created.ToString("O"), .. r.ExcludeDisks.Select(x => "exclude=" + x)]);
        var plan = Resume(r.JournalPath, requestKey, layoutOnly: false);
        if (plan is null)
        {
            plan = PlanFor(r, layout, LuksHeaderArchive.UuidsIn(backup.Manifest));
            user.ShowPlan(plan);
        }

        Warn(plan);
        PlanExecutor.RefuseIdentifierConflicts(plan); // before the secrets are asked for and the backup is checked

        // Every secret is found now, before the backup check and the first disk write; the temporary key files go at the end.
        using var secrets = ResolveSecrets(r, plan, backup.Manifest.Archives.Any(a => a.Encryption is not null));
        ExtractLuksHeaders(r, plan, backup, secrets);
        var workflow = new RecoverWorkflow(services.Runner, services.Blocks, services.FileSystem, services.Files, services.Log, services.Events);
        return workflow.Run(layout, plan, new RecoverOptions
        {
            BackupDirectory = dir,
            Backup = backup,
            Passphrase = secrets.BackupPassphrase,
            LayoutDone = secrets.DeleteTemporaryFiles,
            LogFile = r.LogFile,
            KeepMounted = r.KeepMounted,
            PostRecoveryHook = r.PostRecoveryHook,
            Clone = r.CloneSettings,
            Hooks = hooks,
            Executor = ExecutorOptionsFor(r, requestKey, r.Yes || r.Unattended, currentDisks: null, secrets),
        });
    }

    /// <summary>The plan recorded in the journal for this very request (a rerun after an interruption), or null.</summary>
    private RecoveryPlan? Resume(string journalPath, string requestKey, bool layoutOnly)
    {
        if (RecoverJournal.Load(journalPath) is not { Plan: { } saved } journal || journal.RequestKey != requestKey)
        {
            return null;
        }

        user.Notice(layoutOnly
            ? $"Resuming the recovery recorded in {journalPath} with the plan saved there ({journal.CompletedSteps.Count} of {saved.Steps.Count} step(s) done)."
            : $"Resuming the recovery recorded in {journalPath} ({journal.CompletedSteps.Count} step(s) done).");
        return saved;
    }

    private RecoveryPlan PlanFor(RecoveryRequest r, LayoutDocument layout, IReadOnlySet<string>? luksHeaders = null)
    {
        var disks = r.TargetDisksFile is { } file ? ListedDisks(file, r.ExcludeDisks)
            : TargetDiskDiscovery.Discover(services.Files, r.ExcludeDisks, [.. r.Backups.Where(b => !BackupFetcher.IsUrl(b))]);
        var plan = Planner.Plan(layout, disks, r.PlanOptionsWith(luksHeaders));
        // A --target-disks plan is for another machine: the identifiers on this one are irrelevant to it.
        if (r.TargetDisksFile is null)
        {
            var present = PresentIdentifierDiscovery.Discover(services.Runner, services.Files, [.. disks.Select(d => d.Path)], plan.Warnings);
            plan.IdentifierConflicts = IdentifierConflicts.Find(plan, layout, present);
        }

        return plan;
    }

    /// <summary>The disks of a `--target-disks` file, the excluded ones marked as never a target.</summary>
    private static List<TargetDisk> ListedDisks(string file, IReadOnlyList<string> excluded)
    {
        var disks = PlanSerializer.DeserializeTargetDisks(File.ReadAllText(file), file);
        foreach (var ex in excluded)
        {
            var d = disks.FirstOrDefault(x => x.Path == ex || x.KernelName == ex || x.ByIdLinks.Contains(ex))
                ?? throw new MkcdrecException(ExitCode.Usage, $"--exclude-disk {ex}: no such disk in {file}.", "Name one of the disks listed there.");
            d.IsBootMedium = true;
            d.ExcludedBecause = "excluded with --exclude-disk";
        }

        return disks;
    }

    /// <summary>The one place a recovery decides whether it may ask: never when unattended or without a terminal.</summary>
    private ExecutorOptions ExecutorOptionsFor(RecoveryRequest r, string requestKey, bool yes, IReadOnlyList<TargetDisk>? currentDisks, ResolvedSecrets secrets)
    {
        var ask = !r.Unattended && user.CanAsk;
        return new ExecutorOptions
        {
            JournalPath = r.JournalPath,
            RequestKey = requestKey,
            NoMount = r.NoMount,
            Yes = yes,
            KeyFiles = secrets.KeyFiles,
            CurrentDisks = currentDisks,
            Confirm = ask ? user.Confirm : null,
            Report = user.Progress,
        };
    }

    /// <summary>The backup's passphrase (when encrypted) and the key of every LUKS container still to make, or one error naming each missing one.</summary>
    private ResolvedSecrets ResolveSecrets(RecoveryRequest r, RecoveryPlan plan, bool backupEncrypted)
    {
        var luks = LuksKeyNeed.Of(plan, PlanExecutor.PendingKeyFileTokens(plan, r.JournalPath));
        var sources = new SecretSources { PassphraseFile = r.PassphraseFile, KeyFile = r.KeyFile, Directory = r.SecretsDirectory };
        var secrets = new RecoverySecrets(sources, Prompter(r)).Resolve(backupEncrypted, luks);
        services.Log.Info($"secrets: {(backupEncrypted ? "the backup's passphrase and " : "")}{luks.Count} LUKS key(s) found before any disk is touched"
            + (r.SecretsDirectory is { } d ? $" (secrets directory {d})" : ""));
        return secrets;
    }

    /// <summary>
    /// The LUKS headers the plan restores, taken from the backup (decrypted with its passphrase) into a private directory
    /// before any disk is touched; they go with the key files once the layout is made.
    /// </summary>
    private void ExtractLuksHeaders(RecoveryRequest r, RecoveryPlan plan, ArchiveSource backup, ResolvedSecrets secrets)
    {
        var tokens = PlanExecutor.PendingHeaderFileTokens(plan, r.JournalPath);
        if (tokens.Count == 0)
        {
            return;
        }

        var archive = new LuksHeaderArchive(services.Runner, services.FileSystem, services.Log);
        var (dir, headers) = archive.Extract(backup, secrets.BackupPassphrase, secrets.TemporaryDirectory);
        if (dir is null)
        {
            return; // the executor refuses, naming the headers it lacks
        }

        // Tokens are {luksheader:luks:UUID}; the layout's LUKS id is "luks:" + UUID.
        var found = new List<(string Token, string LuksId, string Uuid, string Header)>();
        foreach (var token in tokens)
        {
            var luksId = token.Trim('{', '}')["luksheader:".Length..];
            var uuid = luksId["luks:".Length..];
            if (headers.TryGetValue(uuid, out var header))
            {
                found.Add((token, luksId, uuid, header));
            }
        }

        secrets.UseHeaderFiles(dir, found.Select(f => KeyValuePair.Create(f.Token, f.Header)));
        foreach (var f in found)
        {
            if (secrets.KeyFiles.TryGetValue(PlanPlaceholders.KeyFile(f.LuksId), out var key))
            {
                archive.RequireKeyOpens(f.Header, key, f.Uuid);
            }
        }
    }

    /// <summary>Who may be asked for a missing secret: the person who started it; unattended, the console only with --secret-timeout.</summary>
    private SecretPrompter? Prompter(RecoveryRequest r) =>
        !user.CanAsk ? null
        : !r.Unattended ? new SecretPrompter(user.AskSecret, null)
        : r.SecretTimeout > TimeSpan.Zero ? new SecretPrompter(user.AskSecret, r.SecretTimeout)
        : null;

    private void Warn(RecoveryPlan plan)
    {
        foreach (var w in plan.Warnings)
        {
            user.Warn(w);
        }
    }

    private static string DefaultLayout(string backupDir)
    {
        var inBackup = Path.Combine(backupDir, BackupFiles.Layout);
        if (File.Exists(inBackup))
        {
            return inBackup;
        }

        if (File.Exists(RescueLayoutPath))
        {
            return RescueLayoutPath;
        }

        throw new MkcdrecException(ExitCode.BadInput, $"No layout: neither {inBackup} nor {RescueLayoutPath} exists.", "Name the layout with --layout FILE; no disk was touched.");
    }
}
