using System.Globalization;
using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Destinations;

namespace Mkcdrec.Core.Configuration;

/// <summary>Every key of /etc/mkcdrec/mkcdrec.conf (docs/configuration.md). The command line options they stand for are
/// bound in the CLI; here is what each means and which values it takes.</summary>
public static class ConfigKeys
{
    public static readonly IReadOnlyList<ConfigKey> All =
    [
        new("destination", ConfigKind.Value, "an absolute directory, sftp://[user@]host[:port]/path, nfs://host/export/path or s3://bucket/prefix",
            "Where backups go (mkbackup: --dest for a URL, --backup-dir for a directory; mkbackuponly --dest; backups list/prune).", "sftp://backup@vault.example.org/srv/mkcdrec", Destination),
        new("output", ConfigKind.Value, "an absolute directory", "Where mkbackup and mkrescue write the ISO(s) (--output).", "/var/lib/mkcdrec/output", AbsolutePath),
        new("compress", ConfigKind.Value, "zstd, gzip or none", "Compression of the archives (--compress).", "zstd", Compress),
        new("encrypt", ConfigKind.Flag, "yes or no", "Encrypt every archive (--encrypt); needs passphrase-file.", "no", _ => null),
        new("passphrase-file", ConfigKind.Value, "an absolute file name",
            "The file whose first line is the backup passphrase (--passphrase-file; also read by verify). Keep it mode 0600; it is never copied to a medium.", "/etc/mkcdrec/backup.passphrase", AbsolutePath),
        new("exclude", ConfigKind.List, "a pattern as for --exclude (one per line, the line may repeat)",
            "Leave matching paths out of the backup (--exclude); the command line's --exclude adds to these.", "/srv/cache/*", Pattern),
        new("default-excludes", ConfigKind.Flag, "yes or no", "no: do not apply the default excludes (mkbackuponly --no-default-excludes).", "yes", _ => null),
        new("medium", ConfigKind.Value, "cd, dvd, dvd-dl, bd, bd-dl or a size in bytes with K/M/G/T", "Split the backup onto media of this size (mkbackup --medium).", "dvd", Size),
        new("volume-size", ConfigKind.Value, "cd, dvd, dvd-dl, bd, bd-dl or a size in bytes with K/M/G/T", "Split archives into volumes of this size (--volume-size).", "1G", Size),
        new("incremental", ConfigKind.Flag, "yes or no", "Store only what changed since the last backup (--incremental).", "no", _ => null),
        new("max-increments", ConfigKind.Value, "a whole number from 1 to 1000", "Make a full backup after this many increments (--max-increments).", "6", Count),
        new("keep-full", ConfigKind.Value, "a whole number from 1 to 1000", "Retention: backups prune keeps the newest N full backups with their increments (--keep-full).", "4", Count),
        new("pre-backup-hook", ConfigKind.Value, "a shell command (run with /bin/sh -c)",
            "Run right before the first archive (dump or freeze a database); if it fails nothing is backed up (--pre-backup-hook).", "sudo -u postgres pg_dumpall > /var/backups/pg_dumpall.sql", Command),
        new("post-backup-hook", ConfigKind.Value, "a shell command (run with /bin/sh -c)",
            "Run right after the last archive whenever the pre-backup hook ran, with MKCDREC_BACKUP_RESULT=ok|failed (--post-backup-hook).", "systemctl start myapp", Command),
        new("post-recovery-hook", ConfigKind.Value, "a shell command (run with /bin/sh -c in the recovered system)",
            "Recorded in each backup: recover runs it in a chroot of the recovered system after finalize (--post-recovery-hook).", "/usr/local/sbin/after-recovery", Command),
        new("hook-timeout", ConfigKind.Value, "seconds, from 1 to 86400", "Kill a hook still running after this long and count it as failed (--hook-timeout).", "1800", Seconds),
        new("mail-to", ConfigKind.Value, "addresses or local user names, separated by commas",
            "Mail the result of a scheduled run (mkcdrec scheduled, the systemd timers) through the local sendmail (--mail-to).", "root", Recipients),
        new("mail-on", ConfigKind.Value, "failure or always", "Mail only failed scheduled runs (failure, the default) or every one (--mail-on).", "failure", MailWhen),
        new("secure-boot", ConfigKind.Value, "auto, on or off",
            "The rescue ISO's UEFI boot chain: the distribution's signed shim and GRUB when installed (auto), required (on), or mkcdrec's own GRUB (off) (--secure-boot).",
            "auto", SecureBootMode),
        new("rescue-sshd", ConfigKind.Flag, "yes or no",
            "Start OpenSSH's server in the rescue system: root logs in with a public key only, host keys made at each boot (--sshd).", "no", _ => null),
        new("rescue-authorized-keys", ConfigKind.Value, "an absolute file name",
            "The public keys allowed into the rescue system's sshd (--authorized-keys; default /root/.ssh/authorized_keys).", "/etc/mkcdrec/rescue_authorized_keys", AbsolutePath),
        new("rescue-firmware", ConfigKind.Flag, "yes or no", "Carry the firmware the rescue system's kernel modules ask for (--firmware).", "no", _ => null),
        new("rescue-program", ConfigKind.List, "a program name in PATH or an absolute path (one per line, the line may repeat)",
            "Carry this program and its libraries in the rescue system too (--add-program).", "/usr/sbin/smartctl", Program),
        new("rescue-module", ConfigKind.List, "a kernel module name or alias (one per line, the line may repeat)",
            "Carry this kernel module and its dependencies in the rescue system too (--add-module).", "megaraid_sas", Module),
        new("secrets", ConfigKind.Value, "an absolute directory",
            "A directory laid out like the keys medium (ssh/, s3/credentials, backup.passphrase) read by verify, fetch and backups (--secrets; docs/secrets.md).", "/etc/mkcdrec/secrets", AbsolutePath),
        new("ca-file", ConfigKind.Value, "an absolute file name (PEM, one or more certificates)",
            "Trust only these CAs for https (a backup URL, an s3:// endpoint): the server's certificate must chain to one of them (--ca-file). "
            + "Kept in /etc/mkcdrec, the rescue system carries it too.", "/etc/mkcdrec/ca.pem", AbsolutePath),
    ];

    public static ConfigKey? Find(string name) => All.FirstOrDefault(k => k.Name == name);

    /// <summary>yes/no and their usual spellings, as the one canonical "yes" or "no"; null for anything else.</summary>
    public static string? Flag(string value) => value.ToLowerInvariant() switch
    {
        "yes" or "true" or "on" or "1" => "yes",
        "no" or "false" or "off" or "0" => "no",
        _ => null,
    };

    private static string? Destination(string value)
    {
        try
        {
            var url = DestinationUrl.Parse(value);
            return url.Writable ? null : "http(s):// is for fetching only; backups cannot be written there";
        }
        catch (MkcdrecException e)
        {
            return e.Message;
        }
    }

    private static string? AbsolutePath(string value) => value.StartsWith('/') ? null : "it is not an absolute path (it must start with /)";

    private static string? Compress(string value) => value is "zstd" or "gzip" or "none" ? null : "it is not a compression mkcdrec writes";

    private static string? Program(string value) =>
        value.Length == 0 || value.Any(char.IsWhiteSpace) ? "it is not one program name or path" : value.Contains('/') && !value.StartsWith('/') ? "a path must be absolute (start with /)" : null;

    private static string? Module(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or ':' or '*' or '.') ? null : "it is not a kernel module name or alias";

    private static string? Pattern(string value) => value.Length > 0 ? null : "the pattern is empty";

    private static string? Size(string value)
    {
        try
        {
            VolumeSizes.Parse(value);
            return null;
        }
        catch (MkcdrecException e)
        {
            return e.Message.TrimEnd('.');
        }
    }

    private static string? Recipients(string value) => Scheduled.MailSettings.Check(value);

    private static string? MailWhen(string value) => Scheduled.MailSettings.ParseWhen(value) is null ? "it is neither failure nor always" : null;

    private static string? SecureBootMode(string value) => value is "auto" or "on" or "off" ? null : "it is none of auto, on and off";

    private static string? Command(string value) => value.Trim().Length > 0 ? null : "the command is empty";

    private static string? Seconds(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 86400 ? null : "it is not a number of seconds in that range";

    private static string? Count(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 1000 ? null : "it is not a whole number in that range";
}
