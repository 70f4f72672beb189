using System.CommandLine;
using Mkcdrec.Core;
using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Workflows;

namespace Mkcdrec.Cli.Commands;

/// <summary>The options of `mkcdrec mkbackuponly` and how they become the backup's <see cref="Core.Workflows.BackupOptions"/>.</summary>
internal sealed class MkBackupOnlyCommandOptions
{
    public Option<string> Dest { get; } = new("--dest")
    {
        Description = $"Where the backup goes: a directory (default {BackupCommands.DefaultDestination}), or sftp://[user@]host/path, nfs://host/export/path, "
                      + "s3://bucket/prefix?endpoint=URL (a new backup HOST/TIME there each run; docs/destinations.md).",
        HelpName = "DIR|URL",
        DefaultValueFactory = _ => BackupCommands.DefaultDestination,
    };

    public Option<string?> Layout { get; } = new("--layout") { Description = "Back up the filesystems of this layout file instead of capturing the layout now.", HelpName = "FILE" };

    public Option<string> Compress { get; } = CompressOption();

    public Option<int?> Level { get; } = new("--level") { Description = "Compression level (zstd 1-19, default 3; gzip 1-9, default 6).", HelpName = "N" };

    public Option<int> Threads { get; } = new("--threads") { Description = "zstd worker threads (default: one per processor).", HelpName = "N" };

    public Option<bool> Encrypt { get; } = new("--encrypt") { Description = "Encrypt every archive (openssl enc -aes-256-cbc -pbkdf2 compatible); needs --passphrase-file." };

    public Option<string?> Pass { get; } = new("--passphrase-file") { Description = "Read the passphrase from the first line of FILE ('-' asks on the terminal). Never stored.", HelpName = "FILE" };

    public Option<string?> VolumeSize { get; } = VolumeSizeOption("Split archives into volumes: cd, dvd, dvd-dl, bd, bd-dl or bytes (K/M/G suffix).");

    public Option<string[]> Exclude { get; } = new("--exclude")
    {
        Description = "Exclude PAT (repeatable): '/abs/path' excludes that path of the live system; a pattern without a leading '/' applies inside every filesystem.",
        HelpName = "PAT",
    };

    public Option<bool> NoDefaults { get; } = new("--no-default-excludes") { Description = "Do not apply the default excludes (tmp/*, var/tmp/*, caches...)." };

    public Option<bool> Incremental { get; } = IncrementalOption();

    public Option<int> MaxIncrements { get; } = MaxIncrementsOption();

    public HookOptions Hooks { get; } = new();

    public Option<string?> CaFile { get; } = ReadingCredentials.CaFileOption();

    /// <summary>--compress, for mkbackup, mkbackuponly and archive create; its names complete in the shell.</summary>
    public static Option<string> CompressOption() => new("--compress")
    {
        Description = "zstd (default, multi-threaded), gzip or none.",
        HelpName = "ALG",
        DefaultValueFactory = _ => "zstd",
        CompletionSources = { ArchivePipeline.Names.ToArray() },
    };

    /// <summary>--volume-size; the media names complete in the shell.</summary>
    public static Option<string?> VolumeSizeOption(string description) => new("--volume-size")
    {
        Description = description,
        HelpName = "SIZE",
        CompletionSources = { VolumeSizes.Names.ToArray() },
    };

    /// <summary>--incremental, for mkbackuponly and mkbackup --dest.</summary>
    public static Option<bool> IncrementalOption() => new("--incremental")
    {
        Description = "Store only what changed since this host's newest backup at the destination (a full backup when there is none); "
                      + "a directory destination then keeps named backups HOST/TIME too. GNU tar restores the chain (docs/incremental.md).",
    };

    public static Option<int> MaxIncrementsOption() => new("--max-increments")
    {
        Description = "With --incremental: after N increments the next run makes a full backup (default 6: a daily run makes a weekly full).",
        HelpName = "N",
        DefaultValueFactory = _ => 6,
    };

    /// <summary>--max-increments below 1 is refused.</summary>
    public static int MaxIncrementsOf(ParseResult p, Option<int> option) => p.GetValue(option) >= 1 ? p.GetValue(option)
        : throw new MkcdrecException(ExitCode.Usage, "--max-increments must be at least 1.", "Give how many increments may follow a full backup, e.g. --max-increments 6.");

    public void AddTo(Command cmd)
    {
        Option[] all = [Dest, Layout, Compress, Level, Threads, Encrypt, Pass, VolumeSize, Exclude, NoDefaults, Incremental, MaxIncrements, .. Hooks.All, CaFile];
        foreach (var opt in all)
        {
            cmd.Options.Add(opt);
        }
    }

    /// <param name="localDir">The destination when it is a directory of this machine; null for one off the machine.</param>
    public BackupOptions BackupOptions(ParseResult p, string? localDir)
    {
        var wantEncrypt = p.GetValue(Encrypt);
        if (wantEncrypt && p.GetValue(Pass) is null)
        {
            throw new MkcdrecException(ExitCode.Usage, "--encrypt needs --passphrase-file.", "Give --passphrase-file FILE, or '-' to type the passphrase.");
        }

        var chained = p.GetValue(Incremental);
        return new BackupOptions
        {
            Compression = ArchivePipeline.Parse(p.GetValue(Compress)!),
            Level = p.GetValue(Level),
            Threads = p.GetValue(Threads),
            Passphrase = wantEncrypt ? ArchiveCommands.ReadPassphrase(p.GetValue(Pass)!, confirm: true) : null,
            VolumeSize = p.GetValue(VolumeSize) is { } vs ? VolumeSizes.Parse(vs) : 0,

            // Named backups in a directory of this machine: that directory is left out of every archive, as a plain backup's is.
            Excludes = [.. p.GetValue(Exclude) ?? [], .. chained && localDir is not null ? [Path.GetFullPath(localDir).TrimEnd('/')] : Array.Empty<string>()],
            DefaultExcludes = !p.GetValue(NoDefaults),
            Incremental = chained,
            MaxIncrements = MaxIncrementsOf(p, MaxIncrements),
            Hooks = Hooks.Hooks(p),
        };
    }
}
