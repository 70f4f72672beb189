using Mkcdrec.Core.Destinations;

namespace Mkcdrec.Cli.Configuration;

/// <summary>Which verbs each configuration key reaches, as which option (docs/configuration.md has the same table for people).</summary>
internal static class ConfigBindings
{
    // mkbackup --use-backup puts a finished backup on the media: the options that shape a new backup do not apply then.
    private const string UseBackup = "--use-backup";

    // --initrd puts an initramfs on the media as it is: the rescue extras cannot apply to it.
    private const string Initrd = "--initrd";

    public static readonly IReadOnlyList<ConfigBinding> All =
    [
        new("destination", "mkbackup", "--dest/--backup-dir",
            v => DestinationUrl.Parse(v).Kind == DestinationKind.Directory ? ["--backup-dir", v] : ["--dest", v], ["--dest", "--backup-dir", UseBackup]),
        ConfigBinding.Option("destination", "mkbackuponly", "--dest"),
        ConfigBinding.Argument("destination", "backups list", "URL"),
        ConfigBinding.Argument("destination", "backups prune", "URL"),
        ConfigBinding.Option("destination", "report", "--dest"),
        ConfigBinding.Option("output", "mkbackup", "--output"),
        ConfigBinding.Option("output", "mkrescue", "--output"),
        ConfigBinding.Option("output", "report", "--media"),
        ConfigBinding.Option("compress", "mkbackup", "--compress", UseBackup),
        ConfigBinding.Option("compress", "mkbackuponly", "--compress"),
        ConfigBinding.Flag("encrypt", "mkbackup", "--encrypt", UseBackup),
        ConfigBinding.Flag("encrypt", "mkbackuponly", "--encrypt"),
        ConfigBinding.Flag("encrypt", "report", "--encrypted"),
        ConfigBinding.Option("passphrase-file", "mkbackup", "--passphrase-file", UseBackup),
        ConfigBinding.Option("passphrase-file", "mkbackuponly", "--passphrase-file"),
        ConfigBinding.Option("passphrase-file", "verify", "--passphrase-file"),
        ConfigBinding.List("exclude", "mkbackup", "--exclude", UseBackup),
        ConfigBinding.List("exclude", "mkbackuponly", "--exclude"),
        ConfigBinding.NegatedFlag("default-excludes", "mkbackuponly", "--no-default-excludes"),
        ConfigBinding.Option("medium", "mkbackup", "--medium"),
        ConfigBinding.Option("secure-boot", "mkrescue", "--secure-boot"),
        ConfigBinding.Option("secure-boot", "mkbackup", "--secure-boot"),
        ConfigBinding.Option("volume-size", "mkbackup", "--volume-size", UseBackup),
        ConfigBinding.Option("volume-size", "mkbackuponly", "--volume-size"),
        ConfigBinding.Flag("incremental", "mkbackup", "--incremental", UseBackup),
        ConfigBinding.Flag("incremental", "mkbackuponly", "--incremental"),
        ConfigBinding.Option("max-increments", "mkbackup", "--max-increments", UseBackup),
        ConfigBinding.Option("max-increments", "mkbackuponly", "--max-increments"),
        ConfigBinding.Option("pre-backup-hook", "mkbackup", "--pre-backup-hook", UseBackup),
        ConfigBinding.Option("pre-backup-hook", "mkbackuponly", "--pre-backup-hook"),
        ConfigBinding.Option("post-backup-hook", "mkbackup", "--post-backup-hook", UseBackup),
        ConfigBinding.Option("post-backup-hook", "mkbackuponly", "--post-backup-hook"),
        ConfigBinding.Option("post-recovery-hook", "mkbackup", "--post-recovery-hook", UseBackup),
        ConfigBinding.Option("post-recovery-hook", "mkbackuponly", "--post-recovery-hook"),
        ConfigBinding.Option("hook-timeout", "mkbackup", "--hook-timeout", UseBackup),
        ConfigBinding.Option("hook-timeout", "mkbackuponly", "--hook-timeout"),
        ConfigBinding.Option("keep-full", "backups prune", "--keep-full"),
        ConfigBinding.Option("mail-to", "scheduled backup", "--mail-to"),
        ConfigBinding.Option("mail-to", "scheduled layout-check", "--mail-to"),
        ConfigBinding.Option("mail-on", "scheduled backup", "--mail-on"),
        ConfigBinding.Option("mail-on", "scheduled layout-check", "--mail-on"),
        ConfigBinding.Flag("rescue-sshd", "mkrescue", "--sshd", Initrd),
        ConfigBinding.Option("rescue-authorized-keys", "mkrescue", "--authorized-keys", Initrd),
        ConfigBinding.Flag("rescue-firmware", "mkrescue", "--firmware", Initrd),
        ConfigBinding.List("rescue-program", "mkrescue", "--add-program", Initrd),
        ConfigBinding.List("rescue-module", "mkrescue", "--add-module", Initrd),
        ConfigBinding.Flag("rescue-sshd", "mkbackup", "--sshd", Initrd),
        ConfigBinding.Option("rescue-authorized-keys", "mkbackup", "--authorized-keys", Initrd),
        ConfigBinding.Flag("rescue-firmware", "mkbackup", "--firmware", Initrd),
        ConfigBinding.List("rescue-program", "mkbackup", "--add-program", Initrd),
        ConfigBinding.List("rescue-module", "mkbackup", "--add-module", Initrd),
        ConfigBinding.Option("secrets", "verify", "--secrets"),
        ConfigBinding.Option("secrets", "fetch", "--secrets"),
        ConfigBinding.Option("secrets", "backups list", "--secrets"),
        ConfigBinding.Option("secrets", "backups prune", "--secrets"),
        ConfigBinding.Option("secrets", "report", "--secrets"),
        ConfigBinding.Option("ca-file", "mkbackup", "--ca-file", UseBackup),
        .. new[] { "mkbackuponly", "fetch", "verify", "backups list", "backups prune", "report" }.Select(v => ConfigBinding.Option("ca-file", v, "--ca-file")),
    ];

    public static IEnumerable<ConfigBinding> For(string verb) => All.Where(b => b.Verb == verb);
}
