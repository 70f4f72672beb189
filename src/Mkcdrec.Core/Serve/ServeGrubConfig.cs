using System.Globalization;
using System.Text;
using Mkcdrec.Core.Drill;
using Mkcdrec.Core.Media;

namespace Mkcdrec.Core.Serve;

/// <summary>One client's boot: which backup URL its rescue system gets and whether it recovers unattended.</summary>
public sealed record ServeClientBoot(ServeHost Host, string? BackupUrl);

/// <summary>
/// boot/grub/grub.cfg of serve's PXE tree. GRUB, loaded by TFTP, picks the client's entries by the MAC it booted from
/// ($net_default_mac): a client of the hosts file with action recover boots the automatic recovery of its own backup
/// by default, one with action local its own disk; every other client gets the rescue menu entry (a client not in the
/// file never recovers by itself).
/// Kernel and initramfs come over HTTP from serve itself ((http,ADDRESS:PORT)), much faster than TFTP. A client that
/// reported its recovery done boots its own disk by default from then on: a machine that boots from the network first
/// would otherwise recover again at every boot.
/// </summary>
public static class ServeGrubConfig
{
    public const string LocalDiskTitle = "Boot from the local disk";

    /// <summary>The loader serve's GRUB looks for on the client's disks (serve's UEFI netboot GRUB is x86_64-efi).</summary>
    public const string EfiRemovableLoader = "/EFI/BOOT/BOOTX64.EFI";

    /// <param name="recovered">MACs of clients that reported a finished recovery: their default becomes their own disk.</param>
    /// <param name="drill">serve --drill: every automatic recovery also checks the recovered system on its first boot (mkcdrec.drill=1).</param>
    public static string Build(string httpServer, IReadOnlyList<ServeClientBoot> clients, string? defaultBackupUrl, int timeoutSeconds, string extraKernelArguments,
        IReadOnlySet<string>? recovered = null, bool drill = false)
    {
        var sb = new StringBuilder();
        sb.Append("# mkcdrec serve: the netboot menu of the clients on this segment (written by mkcdrec serve; GRUB 2).\n");
        sb.Append(BootMenu.GrubConsoleAndTimeout(timeoutSeconds));
        sb.Append(CultureInfo.InvariantCulture, $"set mkcdrec_http=(http,{httpServer})\n");
        // Every rescue system serve boots tells serve its phases (recovering, recovered, failed, at the menu).
        extraKernelArguments = $"mkcdrec.report=http://{httpServer}/report {extraKernelArguments}".Trim();
        var first = true;
        foreach (var c in clients)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{(first ? "if" : "elif")} [ \"$net_default_mac\" = \"{c.Host.Mac}\" ]; then\n");
            first = false;
            var auto = c.Host.Action is ServeAction.Recover or ServeAction.Clone;
            // A clone takes its own identity: the recovery sets its hostname, a new machine-id and new SSH host keys.
            var extra = c.Host.Action == ServeAction.Clone ? $"mkcdrec.hostname={c.Host.Hostname} mkcdrec.new-identity {extraKernelArguments}" : extraKernelArguments;
            if (c.Host.Action == ServeAction.Local)
            {
                LocalDisk(sb, $"{LocalDiskTitle} ({c.Host.Hostname})", "    ");
            }
            else if (recovered?.Contains(c.Host.Mac) == true)
            {
                LocalDisk(sb, $"{LocalDiskTitle} ({c.Host.Hostname}, recovered)", "    ");
            }

            var autoExtra = drill && auto ? DrillProtocol.KernelFlag + " " + extra : extra;
            Entry(sb, $"{(auto ? BootMenu.AutoTitle : BootMenu.RescueTitle)} ({c.Host.Hostname})", c.BackupUrl, auto, autoExtra, "    ");
            if (auto)
            {
                Entry(sb, $"{BootMenu.RescueTitle} ({c.Host.Hostname})", c.BackupUrl, auto: false, extra, "    ");
            }
        }

        if (!first)
        {
            sb.Append("else\n");
        }

        Entry(sb, BootMenu.RescueTitle, defaultBackupUrl, auto: false, extraKernelArguments, first ? "" : "    ");
        if (!first)
        {
            sb.Append("fi\n");
        }

        return sb.ToString();
    }

    /// <summary>
    /// The client's own disk. UEFI: the removable-path loader (\EFI\BOOT\BOOTX64.EFI, which finalize always installs)
    /// of the first ESP GRUB finds, chain-loaded from root (GRUB 2.06's chainloader finds the EFI handle of root's
    /// device, not of a (device) in the path: that one failed "not a valid root device"); only without one GRUB exits
    /// to the firmware's next boot option, which on a machine with the network first is the network again (OVMF tried
    /// PXEv6 and HTTP boot for minutes). A disk the firmware left unconnected (OVMF: one not in the boot order) has no
    /// ESP for GRUB to find. BIOS: the first disk's boot code.
    /// </summary>
    private static void LocalDisk(StringBuilder sb, string title, string indent)
    {
        sb.Append(CultureInfo.InvariantCulture, $"{indent}menuentry \"{title}\" {{\n");
        sb.Append(CultureInfo.InvariantCulture, $"{indent}    if [ \"$grub_platform\" = \"efi\" ]; then\n");
        foreach (var line in new[]
        {
            "insmod part_gpt", "insmod part_msdos", "insmod fat", "insmod chain",
            $"if search --no-floppy --file --set=root {EfiRemovableLoader}; then",
            $"    chainloader {EfiRemovableLoader}", "    boot", "fi", "exit",
        })
        {
            sb.Append(CultureInfo.InvariantCulture, $"{indent}        {line}\n");
        }

        sb.Append(CultureInfo.InvariantCulture, $"{indent}    fi\n");
        sb.Append(CultureInfo.InvariantCulture, $"{indent}    insmod biosdisk\n{indent}    insmod chain\n");
        sb.Append(CultureInfo.InvariantCulture, $"{indent}    set root=(hd0)\n{indent}    chainloader +1\n");
        sb.Append(CultureInfo.InvariantCulture, $"{indent}}}\n");
    }

    private static void Entry(StringBuilder sb, string title, string? backupUrl, bool auto, string extra, string indent)
    {
        var args = BootMenu.KernelArguments(new BootMenuOptions { BackupUrl = backupUrl, ExtraKernelArguments = extra }, auto);
        sb.Append(CultureInfo.InvariantCulture, $"{indent}menuentry \"{title}\" {{\n");
        sb.Append(CultureInfo.InvariantCulture, $"{indent}    echo \"Loading the mkcdrec rescue system over HTTP...\"\n");
        sb.Append(CultureInfo.InvariantCulture, $"{indent}    linux $mkcdrec_http/vmlinuz {BootMenu.GrubWords(args)}\n");
        sb.Append(CultureInfo.InvariantCulture, $"{indent}    initrd $mkcdrec_http/initrd.img\n");
        sb.Append(CultureInfo.InvariantCulture, $"{indent}}}\n");
    }
}
