using System.CommandLine;
using Mkcdrec.Core;
using Mkcdrec.Core.Execution;
using Mkcdrec.Core.Recovery;
using Mkcdrec.Core.Secrets;
using Mkcdrec.Core.Storage;
using Mkcdrec.Core.Workflows;

namespace Mkcdrec.Cli.Commands;

/// <summary>The options of `mkcdrec recover` every mode takes (plan, layout only, full recovery).</summary>
internal sealed class RecoverCommandOptions
{
    public Option<string> Layout { get; } = new("--layout")
    {
        Description = $"The layout file to recreate (default {LayoutWorkflows.DefaultLayoutPath}).",
        HelpName = "FILE",
        DefaultValueFactory = _ => LayoutWorkflows.DefaultLayoutPath,
    };

    public Option<bool> Plan { get; } = new("--plan") { Description = "Print the plan and change nothing." };

    public Option<bool> LayoutOnly { get; } = new("--layout-only") { Description = "Recreate the layout without restoring data." };

    public Option<string[]> Map { get; } = new("--map")
    {
        Description = "Map a source disk (its path, name or id in the layout) to a target disk (repeatable).",
        HelpName = "SRC=DST",
    };

    public Option<string> TargetRoot { get; } = new("--target-root")
    {
        Description = $"Where the recreated filesystems are mounted (default {PlanOptions.DefaultTargetRoot}).",
        HelpName = "DIR",
        DefaultValueFactory = _ => PlanOptions.DefaultTargetRoot,
    };

    public Option<string[]> ExcludeDisk { get; } = new("--exclude-disk")
    {
        Description = "Never use this disk as a target, e.g. the boot medium (repeatable).",
        HelpName = "DEV",
    };

    public Option<string[]> Backup { get; } = new("--backup")
    {
        Description = "The backup's directory (the disk holding it is never a target; repeatable), or its http(s):// URL (fetched into --spool first).",
        HelpName = "DIR|URL",
    };

    public Option<string?> TargetDisks { get; } = new("--target-disks")
    {
        Description = "Plan for the disks listed in FILE (JSON, as 'recover --plan --json' prints under targetDisks) instead of this machine's.",
        HelpName = "FILE",
    };

    public Option<bool> ResizeFixed { get; } = new("--resize-fixed") { Description = "Also scale ESP, BIOS boot, /boot and swap when disk sizes differ." };

    public Option<bool> KeepDegraded { get; } = new("--keep-degraded")
    {
        Description = "Recreate a RAID array that was degraded at capture degraded again (by default a copy of a member's disk on an unused disk completes it).",
    };

    public Option<bool> NewIdentifiers { get; } = new("--new-identifiers")
    {
        Description = "Give every filesystem, swap, LUKS, RAID, LVM and partition-table identifier a new value and rewrite the recovered system's references "
            + "(fstab, crypttab, mdadm.conf, GRUB, initramfs): a clone on a second disk of the machine whose original disk stays attached.",
    };

    public Option<bool> Yes { get; } = new("--yes") { Description = "Do not ask for confirmation." };

    public Option<bool> Unattended { get; } = new("--unattended") { Description = "Never ask; refuse anything ambiguous." };

    public Option<string?> KeyFile { get; } = new("--key-file")
    {
        Description = "One key file for every LUKS device to create, used as it is (otherwise: --secrets, the keys medium, or asked on the terminal).",
        HelpName = "FILE",
    };

    public Option<string?> Secrets { get; } = ArchiveCommands.SecretsOption();

    public Option<int> SecretTimeout { get; } = new("--secret-timeout")
    {
        Description = "With --unattended: ask on the terminal for a secret no file gives, waiting at most SECONDS (default 0: do not ask, stop at once with nothing touched).",
        HelpName = "SECONDS",
    };

    public Option<bool> NoMount { get; } = new("--no-mount") { Description = "With --layout-only: leave the recreated filesystems unmounted." };

    public Option<string> Journal { get; } = new("--journal")
    {
        Description = $"The journal of completed steps, so a rerun resumes (default {RecoverJournal.DefaultPath}).",
        HelpName = "FILE",
        DefaultValueFactory = _ => RecoverJournal.DefaultPath,
    };

    public void AddTo(Command c)
    {
        foreach (var o in new Option[] { Layout, Plan, LayoutOnly, Map, TargetRoot, ExcludeDisk, Backup, TargetDisks, ResizeFixed, KeepDegraded, NewIdentifiers, Yes, Unattended, KeyFile, Secrets, SecretTimeout, NoMount, Journal })
        {
            c.Add(o);
        }
    }

    /// <summary>The options every executing recovery shares (the layout path is the caller's: its default differs); refuses bad secret options before anything runs.</summary>
    public RecoveryRequest Request(ParseResult p) => RefuseBadSecrets(p) with
    {
        Maps = p.GetValue(Map) ?? [],
        TargetRoot = p.GetValue(TargetRoot)!,
        ExcludeDisks = p.GetValue(ExcludeDisk) ?? [],
        Backups = p.GetValue(Backup) ?? [],
        ResizeFixed = p.GetValue(ResizeFixed),
        KeepDegraded = p.GetValue(KeepDegraded),
        NewIdentifiers = p.GetValue(NewIdentifiers),
        Yes = p.GetValue(Yes),
        Unattended = p.GetValue(Unattended),
        KeyFile = p.GetValue(KeyFile),
        SecretsDirectory = p.GetValue(Secrets),
        SecretTimeout = TimeSpan.FromSeconds(p.GetValue(SecretTimeout)),
        JournalPath = p.GetValue(Journal)!,
    };

    /// <summary>A negative --secret-timeout or a --secrets directory that is not there stop the command before it plans.</summary>
    private RecoveryRequest RefuseBadSecrets(ParseResult p)
    {
        if (p.GetValue(SecretTimeout) < 0)
        {
            throw new MkcdrecException(ExitCode.Usage, $"--secret-timeout {p.GetValue(SecretTimeout)} is negative.", "Give the seconds to wait (0: do not ask).");
        }

        if (p.GetValue(Secrets) is { } dir)
        {
            _ = new SecretsDirectory(dir);
        }

        return new RecoveryRequest();
    }
}
