using System.CommandLine;
using Mkcdrec.Core;
using Mkcdrec.Core.Recovery;
using Mkcdrec.Core.Secrets;
using Mkcdrec.Core.Storage;
using Mkcdrec.Core.Storage.Luks;
using Mkcdrec.Core.Workflows;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Cli.Commands;

/// <summary>`mkcdrec mount` and `mkcdrec umount`: the system of a layout, from its disks as they are, under a directory (docs/recovery.md "Mount").</summary>
internal static class MountCommands
{
    private static Option<string?> LayoutOption() => new("--layout")
    {
        Description = $"The layout of the system (default {RecoverySession.RescueLayoutPath} in the rescue system, else {LayoutWorkflows.DefaultLayoutPath}).",
        HelpName = "FILE",
    };

    private static Option<string> TargetRootOption() => new("--target-root")
    {
        Description = $"Where its filesystems are mounted, each at its mount point below (default {PlanOptions.DefaultTargetRoot}).",
        HelpName = "DIR",
        DefaultValueFactory = _ => PlanOptions.DefaultTargetRoot,
    };

    public static Command Mount()
    {
        var layout = LayoutOption();
        var target = TargetRootOption();
        var readOnly = new Option<bool>("--read-only")
        {
            Description = "Assemble, open and mount read-only, without journal or log replay: nothing is written to the disks (a look at a broken or suspect system).",
        };
        var check = new Option<bool>("--check")
        {
            Description = "Check each filesystem read-only with its own tool (e2fsck -fn, xfs_repair -n, btrfs check --readonly, fsck.vfat -n) before mounting it; one with problems stays unmounted.",
        };
        var keys = new KeyOptions();
        var cmd = new Command("mount", "Bring the system of a layout up from its disks as they are (RAID, LUKS, LVM) and mount its filesystems under a directory, /dev, /proc, /sys and /run bound for a chroot: for repairs.")
        {
            layout, target, readOnly, check, keys.KeyFile, keys.Secrets, keys.Unattended,
        };
        cmd.SetAction(int (ParseResult p) =>
        {
            using var ctx = CliContext.Create(p, "mount");
            var doc = LayoutWorkflows.Load(LayoutPath(p.GetValue(layout)));
            using var resolved = ResolveKeys(ctx, p, doc, keys, out var luksKeys);
            var root = p.GetValue(target)!;
            var attached = new SystemAttacher(ctx.Runner, ctx.Files, Say(ctx)).Attach(doc, root, p.GetValue(readOnly), luksKeys, p.GetValue(check));
            if (attached.IsDone("mount:/") && !SystemAttacher.IsMountPoint(ctx.Files, root.TrimEnd('/') + "/proc"))
            {
                new SystemFinalizer(ctx.Runner, ctx.Files, ctx.FileSystem, ctx.Log, Say(ctx)).BindSystem(root);
                Say(ctx)($"/dev, /proc, /sys and /run are bound into {root}: 'chroot {root}' works; 'mkcdrec umount' takes it all down.");
            }

            return 0;
        });
        return cmd;
    }

    public static Command Umount()
    {
        var layout = LayoutOption();
        var target = TargetRootOption();
        var cmd = new Command("umount", "Take down what 'mkcdrec mount' brought up: unmount everything under the directory, deactivate LVM, close LUKS, stop RAID.")
        {
            layout, target,
        };
        cmd.SetAction(int (ParseResult p) =>
        {
            using var ctx = CliContext.Create(p, "umount");
            var doc = LayoutWorkflows.Load(LayoutPath(p.GetValue(layout)));
            new SystemAttacher(ctx.Runner, ctx.Files, Say(ctx)).Detach(doc, p.GetValue(target)!);
            return 0;
        });
        return cmd;
    }

    public static Command RepairBoot()
    {
        var layout = LayoutOption();
        var target = TargetRootOption();
        var keys = new KeyOptions();
        var initramfs = new Option<bool>("--initramfs") { Description = "Also rebuild the initramfs (by default only when it would not boot: a UUID on the boot path changed)." };
        var keepMounted = new Option<bool>("--keep-mounted") { Description = "Leave the system mounted afterwards (default: taken down, ready to reboot)." };
        var cmd = new Command("repair-boot", "Make a system whose disks are fine boot again: mount it from its disks, reinstall GRUB where it was (BIOS and UEFI, the firmware boot entry), regenerate its configuration.")
        {
            layout, target, keys.KeyFile, keys.Secrets, keys.Unattended, initramfs, keepMounted,
        };
        cmd.SetAction(int (ParseResult p) =>
        {
            using var ctx = CliContext.Create(p, "repair-boot");
            var doc = LayoutWorkflows.Load(LayoutPath(p.GetValue(layout)));
            using var resolved = ResolveKeys(ctx, p, doc, keys, out var luksKeys);
            new BootRepair(ctx.Runner, ctx.Files, ctx.FileSystem, ctx.Log, Say(ctx)).Repair(doc, p.GetValue(target)!, luksKeys, p.GetValue(initramfs), p.GetValue(keepMounted));
            return 0;
        });
        return cmd;
    }

    /// <summary>The options that give the keys of the LUKS containers to open.</summary>
    private sealed class KeyOptions
    {
        public Option<string?> KeyFile { get; } = new("--key-file") { Description = "One key file for every LUKS container to open, used as it is.", HelpName = "FILE" };

        public Option<string?> Secrets { get; } = ArchiveCommands.SecretsOption();

        public Option<bool> Unattended { get; } = new("--unattended") { Description = "Never ask for a passphrase; a missing key is an error." };
    }

    /// <summary>The keys of the containers not open yet, from the files given, else asked on the terminal (LUKS UUID → key file).</summary>
    private static ResolvedSecrets ResolveKeys(CliContext ctx, ParseResult p, LayoutDocument doc, KeyOptions options, out Dictionary<string, string> luksKeys)
    {
        var user = new TerminalRecoveryUser(ctx);
        var needs = LuksTechnology.ClosedContainers(doc, ctx.Runner)
            .Select(l => new LuksKeyNeed(PlanPlaceholders.KeyFile(l.Id), l.Uuid, doc.DescribeDevice(l.DeviceId) ?? "?")).ToList();
        var prompter = user.CanAsk && !p.GetValue(options.Unattended) ? new SecretPrompter(user.AskSecret, null) : null;
        var sources = new SecretSources { KeyFile = p.GetValue(options.KeyFile), Directory = p.GetValue(options.Secrets) };
        var resolved = new RecoverySecrets(sources, prompter).Resolve(false, needs);
        luksKeys = needs.Where(n => resolved.KeyFiles.ContainsKey(n.Token)).ToDictionary(n => n.Uuid, n => resolved.KeyFiles[n.Token], StringComparer.Ordinal);
        return resolved;
    }

    private static string LayoutPath(string? given) =>
        given ?? (File.Exists(RecoverySession.RescueLayoutPath) ? RecoverySession.RescueLayoutPath : LayoutWorkflows.DefaultLayoutPath);

    private static Action<string> Say(CliContext ctx) => line =>
    {
        ctx.Log.Info(line);
        ctx.Human.WriteLine(line);
    };
}
