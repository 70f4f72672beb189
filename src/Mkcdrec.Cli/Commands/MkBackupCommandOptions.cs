using System.CommandLine;
using Mkcdrec.Core.Archive;

namespace Mkcdrec.Cli.Commands;

/// <summary>The options of `mkcdrec mkbackup`: the media ones it shares with mkrescue and the backup ones of its own.</summary>
internal sealed class MkBackupCommandOptions
{
    public Option<string> Output { get; } = MediaCommands.Output();

    public Option<string?> Kernel { get; } = MediaCommands.Kernel();

    public Option<string?> Initrd { get; } = MediaCommands.Initrd();

    public Option<string?> Label { get; } = MediaCommands.Label();

    public Option<string?> Layout { get; } = MediaCommands.LayoutFile();

    public Option<int> Timeout { get; } = MediaCommands.Timeout();

    public Option<bool> Simulate { get; } = MediaCommands.Simulate();

    public Option<string> SecureBoot { get; } = SecureBootOption.Create();

    public Option<string?> Medium { get; } = new("--medium")
    {
        Description = "Split onto media of this size: cd, dvd, dvd-dl, bd, bd-dl or bytes (K/M/G suffix). Default: one ISO.",
        HelpName = "SIZE",
        CompletionSources = { VolumeSizes.Names.ToArray() },
    };

    public Option<string?> BackupDir { get; } = new("--backup-dir")
    {
        Description = "Keep the backup in this directory and write the (rescue-only) ISO beside it, instead of putting the backup on the ISO.",
        HelpName = "DIR",
    };

    public Option<string?> Dest { get; } = new("--dest")
    {
        Description = "Send the backup to sftp://, nfs:// or s3:// (a new HOST/TIME there, streamed) and write a rescue-only ISO that fetches HOST/latest "
                      + "from it; the rescue system reads ssh/s3 credentials from the keys medium (docs/destinations.md, docs/secrets.md).",
        HelpName = "URL",
    };

    public Option<string?> UseBackup { get; } = new("--use-backup")
    {
        Description = "Put this finished backup (made by mkbackuponly or archive create) on the media instead of making a new one.",
        HelpName = "DIR",
    };

    public Option<string> Compress { get; } = MkBackupOnlyCommandOptions.CompressOption();

    public Option<bool> Encrypt { get; } = new("--encrypt") { Description = "Encrypt every archive (openssl enc -aes-256-cbc -pbkdf2 compatible); needs --passphrase-file." };

    public Option<string?> PassphraseFile { get; } = new("--passphrase-file")
    {
        Description = "Read the passphrase from the first line of FILE ('-' asks on the terminal). Never stored.",
        HelpName = "FILE",
    };

    public Option<string?> VolumeSize { get; } =
        MkBackupOnlyCommandOptions.VolumeSizeOption("Backup volume size (default: one volume per archive, or a quarter of a medium with --medium).");

    public Option<string[]> Exclude { get; } = new("--exclude") { Description = "Exclude PAT (repeatable), as for mkbackuponly.", HelpName = "PAT" };

    /// <summary>An increment: on the chain the previous ISO carries (the new ISO carries it whole), in --backup-dir, or at --dest.</summary>
    public Option<bool> Incremental { get; } = new("--incremental")
    {
        Description = "Store only what changed since the last backup: with the backup on the ISO, the chain the previous ISO in the output directory "
                      + "carries (the new ISO carries it whole); with --backup-dir DIR or --dest URL, HOST/latest there (named backups HOST/TIME). "
                      + "A full backup when there is none (docs/incremental.md).",
    };

    public Option<int> MaxIncrements { get; } = MkBackupOnlyCommandOptions.MaxIncrementsOption();

    public HookOptions Hooks { get; } = new();

    public RescueExtrasOptions Rescue { get; } = new();

    public Option<string?> CaFile { get; } = ReadingCredentials.CaFileOption();

    /// <summary>Adds the options in the order the help lists them.</summary>
    public void AddTo(Command c)
    {
        Option[] all = [Output, Medium, BackupDir, Dest, UseBackup, Compress, Encrypt, PassphraseFile, VolumeSize, Exclude, Incremental, MaxIncrements, .. Hooks.All, CaFile, .. Rescue.All, Kernel, Initrd, Label, Layout, Timeout, SecureBoot, Simulate];
        foreach (var o in all)
        {
            c.Add(o);
        }
    }
}
