using System.Text.RegularExpressions;
using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Boot.Grub;

public sealed partial class GrubTechnology
{
    [GeneratedRegex(@"(?<=(?:^|[\s""'])(?:root|resume|cryptdevice)=)(/dev/[^\s""':]+)")]
    private static partial Regex KernelDeviceArgument();

    /// <summary>
    /// GRUB's default kernel command line: changed UUIDs replaced; root=, resume=, cryptdevice= of a renamed device
    /// become its UUID. Changed UUIDs also in the boot loader entries (BLS: /boot/loader/entries, which grub-mkconfig does
    /// not write) and /etc/kernel/cmdline (what kernel-install puts in new entries).
    /// </summary>
    public void RewriteConfiguration(FinalizeContext context)
    {
        string Renamed(string text) => KernelDeviceArgument().Replace(text, m => context.UuidSpecFor(m.Value) ?? m.Value);
        ConfigFileRewriter.Rewrite(context, "/etc/default/grub", Renamed);
        if (context.IdChanges.Count == 0)
        {
            return;
        }

        ConfigFileRewriter.Rewrite(context, "/etc/kernel/cmdline", Renamed);
        var entries = context.RootPath(LoaderEntries);
        if (Directory.Exists(entries))
        {
            foreach (var entry in Directory.EnumerateFiles(entries, "*.conf").Order(StringComparer.Ordinal))
            {
                ConfigFileRewriter.Rewrite(context, LoaderEntries + "/" + Path.GetFileName(entry), Renamed);
            }
        }
    }

    private const string LoaderEntries = "/boot/loader/entries";

    /// <summary>
    /// Reinstalls GRUB with the restored system's grub-install: its configuration regenerated when devices or UUIDs
    /// changed, then GRUB for BIOS on every target of <see cref="BiosTargets"/>. UEFI (EFI technology) follows with the
    /// same grub-install, found here.
    /// </summary>
    public void InstallBootloader(FinalizeContext context)
    {
        var layout = context.Layout;
        var grub = layout.Boot.Bootloader == "grub2" || layout.Boot.BiosBootDiskIds.Count > 0;
        if (!grub)
        {
            context.Say(layout.Boot.Bootloader is null
                ? "warning: the layout records no bootloader; none is installed. Install one from the rescue shell before rebooting."
                : $"warning: bootloader {layout.Boot.Bootloader} is not reinstalled by this version; its files are restored as they were (check it boots).");
            return;
        }

        var install = context.HasProgram("grub-install") ? "grub-install" : context.HasProgram("grub2-install") ? "grub2-install" : null;
        if (install is null)
        {
            throw new MkcdrecException(ExitCode.Environment, "The recovered system has no grub-install (nor grub2-install), so GRUB cannot be reinstalled.",
                "The backup lacks the GRUB packages; install them in a chroot of " + context.Root + " and run grub-install yourself.");
        }

        context.GrubInstallProgram = install;
        if (context.ConfigurationChanged || context.RegenerateBootConfiguration)
        {
            var cfg = layout.Boot.GrubConfigPath ?? (install == "grub2-install" ? "/boot/grub2/grub.cfg" : "/boot/grub/grub.cfg");
            var mk = context.HasProgram("grub-mkconfig") ? "grub-mkconfig" : "grub2-mkconfig";
            context.Say($"Regenerating {cfg} ({mk}): " + (context.ConfigurationChanged ? "devices or UUIDs changed." : "a boot repair writes it anew."));
            context.Chroot(mk, "-o", cfg);
            context.Wrote(context.RootPath(cfg));
            context.Changes.Add("regenerated " + cfg);
        }
        else
        {
            context.Say("GRUB's configuration is kept as restored (it names the same UUIDs).");
        }

        foreach (var disk in BiosTargets(layout, context.Plan))
        {
            context.Say($"Installing GRUB for BIOS on {disk}.");
            context.Chroot(install, "--target=i386-pc", disk);
            context.Changes.Add($"grub-install --target=i386-pc {disk}");
        }
    }
}
