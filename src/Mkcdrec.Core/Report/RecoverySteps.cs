using System.Text;
using Mkcdrec.Core.Destinations;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Report;

/// <summary>
/// "How to recover this machine", written from its configuration and layout: which medium to boot and where the backup
/// is, the keys medium it needs (which files, for which LUKS UUIDs), the menu entries and the exact commands.
/// Every value taken from the system is escaped.
/// </summary>
public static class RecoverySteps
{
    public const string KeysLabel = "MKCDREC-KEYS";
    private const string KeysMount = "/run/mkcdrec/keys";

    public static string Render(ReportData data)
    {
        var layout = data.Layout;
        var setup = data.Setup;
        var host = BackupCatalog.SafeHost(layout.Host.Hostname);
        var dest = setup.Destination is null ? null : DestinationUrl.Parse(setup.Destination);
        var keys = KeysFiles(layout, setup, dest);
        var backup = BackupLocation(dest, host);
        var sb = new StringBuilder("<ol class=\"steps\">\n");

        sb.Append("<li><b>Get the rescue medium and the backup.</b> ");
        AppendWhere(sb, setup, dest, host);
        sb.Append("</li>\n");

        sb.Append("<li><b>Keys medium.</b> ");
        if (keys.Count == 0)
        {
            sb.Append("None is needed: the backup is not encrypted, the layout has no LUKS container and the destination needs no credentials.");
        }
        else
        {
            sb.Append($"Bring a USB stick labelled <code>{KeysLabel}</code> (kept apart from the rescue medium; <code>mkfs.vfat -n {KeysLabel} /dev/sdX1</code>) holding:<ul>");
            foreach (var (file, what) in keys)
            {
                sb.Append($"<li><code>{Html.E(file)}</code> — {Html.E(what)}</li>");
            }

            sb.Append("</ul>Without it the recovery asks for each secret at the console.");
        }

        sb.Append("</li>\n");

        var firmware = layout.Boot.Firmware == FirmwareKinds.Uefi ? "UEFI" : "BIOS";
        sb.Append($"<li><b>Boot the rescue medium</b> on the machine (it was captured booting with {firmware}; the medium boots either way). ");
        sb.Append("The boot menu offers <code>mkcdrec rescue</code> (the menu below) and <code>mkcdrec automatic recovery</code> ");
        sb.Append("(recovers without asking and reboots: only for the same, or blank, disks). The rescue menu: ");
        sb.Append("<code>1) Recover</code> · <code>2) Clone</code> (other disks) · <code>3) Repair boot</code> (disks fine, it does not boot) · <code>4) Shell</code> · <code>5) Verify backup</code> · <code>6) Reboot</code> · <code>7) Power off</code>.</li>\n");

        var secrets = keys.Count > 0 ? $" --secrets {KeysMount}" : "";
        sb.Append("<li><b>Check the plan</b> (changes nothing): <pre>mkcdrec recover --backup ").Append(Html.E(backup)).Append(secrets).Append(" --plan</pre>");
        sb.Append(layout.Disks.Count == 0 ? "The layout holds no disk: the plan recreates nothing (see the warnings above)" : "It should map the disks as in the plan on this page: ");
        sb.Append(string.Join(", ", layout.Disks.Select(d => $"<code>{Html.E(d.Path)}</code> {Html.E(Bytes.Format(d.SizeBytes))}" + (d.Serial is null ? "" : $" serial {Html.E(d.Serial)}"))));
        sb.Append(". On other disks, choose <code>2) Clone</code> or add <code>--map SRC=DST</code> for each disk.</li>\n");

        sb.Append("<li><b>Recover</b> (menu <code>1) Recover</code> runs it; it shows the plan and asks for <code>YES</code>): <pre>mkcdrec recover --backup ")
            .Append(Html.E(backup)).Append(secrets).Append("</pre></li>\n");
        sb.Append("<li><b>Reboot</b> into the recovered system and take the medium out. The recovery's log is in its <code>/var/log/mkcdrec/</code>. ");
        sb.Append("Then make a new backup and medium (<code>mkcdrec mkbackup</code>) and prove it with <code>mkcdrec drill</code>.</li>\n");
        return sb.Append("</ol>\n").ToString();
    }

    /// <summary>What to give `recover --backup`: where the rescue system finds this machine's backup.</summary>
    public static string BackupLocation(DestinationUrl? dest, string host) => dest switch
    {
        null => "/run/mkcdrec/medium/backup",
        { Kind: DestinationKind.Directory } => $"/run/mkcdrec/backup-disk/PATH/{host}/latest",
        _ => dest.WithPath(dest.Path.TrimEnd('/') + "/" + host + "/latest").Text,
    };

    private static void AppendWhere(StringBuilder sb, RecoverySetup setup, DestinationUrl? dest, string host)
    {
        var newest = setup.Media.OrderByDescending(m => m.Written).FirstOrDefault();
        var iso = newest.Name is null
            ? $"No ISO was found in <code>{Html.E(setup.MediaDirectory)}</code>: run <code>mkcdrec mkbackup</code> now and keep its ISO with this page. "
            : $"The newest rescue ISO is <code>{Html.E(Path.Combine(setup.MediaDirectory, newest.Name))}</code> ({Html.E(Bytes.Format(newest.Bytes))}, {Html.E(Html.Date(newest.Written))}); " +
              $"write it to a USB stick (<code>dd if={Html.E(newest.Name)} of=/dev/sdX bs=4M conv=fsync</code>) or burn it. ";
        sb.Append(iso);
        switch (dest?.Kind)
        {
            case null:
                sb.Append("No destination is configured: the backup travels on the rescue ISO (<code>/backup</code> on the medium; a set of ISOs asks for the next by label).");
                break;
            case DestinationKind.Directory:
                sb.Append($"The backup is kept in <code>{Html.E(dest.Path)}</code> (<code>{Html.E(host)}/…</code>): attach the disk that holds it beside the rescue medium; ");
                sb.Append("the rescue system finds it by its filesystem's UUID, mounts it read-only at <code>/run/mkcdrec/backup-disk</code> and never takes it for a target ");
                sb.Append("(menu <code>1) Recover</code> uses it; by hand, PATH below is the backup directory's path on that disk's filesystem).");
                break;
            default:
                sb.Append($"The ISO carries no backup: the rescue system reaches <code>{Html.E(dest.Text)}</code> over the network ({Html.E(dest.Kind.ToString().ToUpperInvariant())}) ");
                sb.Append($"and recovers the newest backup of <code>{Html.E(host)}</code>; the machine needs a network link (DHCP by default).");
                break;
        }
    }

    /// <summary>The files the keys medium must hold for this machine, each with what it is.</summary>
    public static List<(string File, string What)> KeysFiles(LayoutDocument layout, RecoverySetup setup, DestinationUrl? dest)
    {
        var files = new List<(string, string)>();
        if (setup.Encrypted)
        {
            files.Add(("backup.passphrase", "the backup passphrase (the file named by passphrase-file), one line"));
        }

        foreach (var l in layout.Luks)
        {
            files.Add(($"luks/{l.Uuid}.passphrase", $"the passphrase of the LUKS container {l.MappedName ?? l.Uuid} (or luks/{l.Uuid}.key, its key file)"));
        }

        if (dest?.Kind == DestinationKind.Sftp)
        {
            files.Add(("ssh/known_hosts", $"the host key of {dest.Host} (ssh-keyscan {dest.Host})"));
            files.Add(("ssh/id_ed25519", $"a login key without passphrase that {dest.Host} accepts for {dest.User ?? "root"}"));
        }
        else if (dest?.Kind == DestinationKind.S3)
        {
            files.Add(("s3/credentials", "the access key for the bucket, in the AWS CLI's format"));
        }

        return files;
    }
}
