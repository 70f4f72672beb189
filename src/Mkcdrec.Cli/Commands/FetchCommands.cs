using System.CommandLine;
using System.Globalization;
using Mkcdrec.Cli.Json;
using Mkcdrec.Core;
using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Destinations;
using Mkcdrec.Core.Destinations.Routing;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Cli.Commands;

/// <summary>
/// `mkcdrec fetch URL [--spool DIR]`, and the one place where verify and recover turn a backup URL into a local
/// directory (<see cref="BackupFetcher"/>): the rescue system's /init fetches mkcdrec.backup=URL with it too.
/// </summary>
internal static class FetchCommands
{
    public static Option<string?> Spool() => new("--spool")
    {
        Description = $"With a backup URL: download the backup into DIR (default {BackupFetcher.RescueSpool} in the rescue system, in RAM; a temporary directory elsewhere). " +
                      "Put it on a spare disk when RAM is short.",
        HelpName = "DIR",
    };

    public static Command Build()
    {
        var url = new Argument<string>("URL")
        {
            Description = "The backup: the http:// or https:// URL of its directory (the one with manifest.json), or DEST/HOST/TIME at an sftp://, " +
                          "nfs:// or s3:// destination (HOST/latest: the newest complete backup of HOST; options as in docs/destinations.md).",
        };
        var spool = Spool();
        var secrets = ArchiveCommands.SecretsOption();
        var caFile = ReadingCredentials.CaFileOption();
        var retries = new Option<int>("--retries") { Description = "How often a broken transfer is tried again (default 4).", HelpName = "N", DefaultValueFactory = _ => 4 };
        var cmd = new Command("fetch", $"Download a backup served over HTTP(S) or kept over SFTP, NFS or in S3 into a local directory (default {BackupFetcher.RescueSpool} in the rescue system), for verify and recover.")
        {
            url, spool, retries, secrets, caFile,
        };
        cmd.SetAction(int (ParseResult p) =>
        {
            var u = p.GetValue(url)!;
            if (!FetchSources.IsRemote(u))
            {
                throw new MkcdrecException(ExitCode.Usage, $"'{u}' is not an http://, https://, sftp://, nfs:// or s3:// URL.",
                    "Give the URL of the backup directory, e.g. http://192.168.1.10/backups/host1/ or s3://bucket/backups/host1/latest.");
            }

            if (p.GetValue(retries) < 0)
            {
                throw new MkcdrecException(ExitCode.Usage, "--retries must be 0 or more.", "Give --retries N with N >= 0.");
            }

            using var ctx = CliContext.Create(p, "fetch");
            var given = p.GetValue(spool);
            var dir = given ?? (File.Exists(BackupFetcher.RescueMarker) ? BackupFetcher.RescueSpool : null)
                ?? throw new MkcdrecException(ExitCode.Usage, "'mkcdrec fetch' needs --spool DIR outside the rescue system.", "Give --spool DIR: the directory to download the backup into.");
            var r = Fetch(ctx, u, dir, replace: given is null, ReadingCredentials.For(p.GetValue(secrets), caFile: p.GetValue(caFile)), p.GetValue(retries));
            if (ctx.Json)
            {
                CliJson.WriteLine(new FetchOutput(r.Directory, r.Files, r.Bytes, r.Reused, r.Retries, r.Elapsed.TotalSeconds, r.MiBPerSecond), CliJsonContext.Default.FetchOutput);
            }

            return 0;
        });
        return cmd;
    }

    /// <summary>Downloads the backup at <paramref name="url"/> into <paramref name="spool"/> with progress on the terminal; prints one summary line.</summary>
    /// <param name="replace">The spool is a default one, whose other backup may be replaced (not a directory the user named).</param>
    /// <param name="credentials">What reaches the destination (<see cref="ReadingCredentials"/>).</param>
    /// <param name="parents">Also fetch an increment's parents (<see cref="FetchParents"/>).</param>
    public static BackupFetchResult Fetch(CliContext ctx, string url, string spool, bool replace, DestinationCredentials credentials, int retries = 4, bool parents = true)
    {
        var events = new ArchiveCommands.CliEvents(ctx, "volumes done");
        if (credentials.Directory is not null)
        {
            ctx.Log.Info($"credentials for {url}: {credentials.Describe()}");
        }

        using var source = FetchSources.Resolve(url, Environment.GetEnvironmentVariable, ctx.Log.Warn, ctx.Runner, ctx.Processes, credentials);
        var r = new BackupFetcher(ctx.Log, events).Fetch(new BackupFetchOptions
        {
            Url = source.Url, Display = source.Display, WrapHandler = source.WrapHandler, SpoolDirectory = spool, Retries = retries, ReplaceOtherBackup = replace,
            Tls = credentials.Trust,
        });
        events.EndProgress();
        var line = string.Create(CultureInfo.InvariantCulture,
            $"Fetched the backup from {source.Display} into {r.Directory}: {r.Files} file(s), {r.Bytes / 1048576.0:0.0} MiB in {r.Elapsed.TotalSeconds:0.0} s ({r.MiBPerSecond:0.0} MiB/s)");
        if (r.Reused > 0)
        {
            line += string.Create(CultureInfo.InvariantCulture, $", {r.Reused} volume(s) already there");
        }

        if (r.Retries > 0)
        {
            line += string.Create(CultureInfo.InvariantCulture, $", {r.Retries} retry(ies)");
        }

        line += ".";
        ctx.Log.Info(line);
        ctx.Human.WriteLine(line);
        if (parents)
        {
            FetchParents(ctx, url, spool, replace, credentials, retries);
        }

        return r;
    }

    /// <summary>
    /// An increment is fetched with its chain: each parent (named HOST/TIME beside it at the same place) into
    /// SPOOL/parents/HOST/TIME, where recovery and verify look for it (<see cref="BackupChain"/>).
    /// </summary>
    private static void FetchParents(CliContext ctx, string url, string spool, bool replace, DestinationCredentials credentials, int retries)
    {
        var manifestPath = Path.Combine(spool, BackupFiles.Manifest);
        for (var links = 0; links < BackupChain.MaxLinks; links++)
        {
            var parent = BackupManifest.Parse(File.ReadAllBytes(manifestPath), manifestPath).Parent;
            if (parent is null)
            {
                return;
            }

            var into = Path.Combine(spool, BackupChain.FetchedParents, parent.Name);
            url = BackupChain.LocationBeside(url, parent.Name);
            Fetch(ctx, url, into, replace, credentials, retries, parents: false);
            manifestPath = Path.Combine(into, BackupFiles.Manifest);
        }
    }

    /// <summary>
    /// A backup given as a directory or a URL, as a local directory: an http(s) URL, or any URL with --spool, is fetched
    /// into the spool; an NFS backup is read on the mounted export; an sftp:// or s3:// one streams from the store, only
    /// its manifest and layout copied into a temporary directory. Dispose removes what this made.
    /// </summary>
    internal sealed class LocalBackup : IDisposable
    {
        private readonly bool _temporary;
        private readonly IDisposable? _owner;
        private readonly List<string> _parentDirectories = [];

        private LocalBackup(string dir, string? url, bool temporary, IDisposable? owner = null, IVolumeSource? volumes = null)
        {
            Directory = dir;
            Url = url;
            _temporary = temporary;
            _owner = owner;
            Volumes = volumes;
        }

        /// <summary>The directory of the manifest and layout (and of the volumes, unless <see cref="Volumes"/> is set).</summary>
        public string Directory { get; }

        /// <summary>Where the volumes stream from when they are not files in <see cref="Directory"/>; else null.</summary>
        public IVolumeSource? Volumes { get; }

        /// <summary>The URL it was fetched from (redacted); null for a directory.</summary>
        public string? Url { get; }

        /// <summary>How the parent of an increment is opened where this backup lies (null: a directory beside it, the default).</summary>
        public Func<BackupLink, ArchiveSource>? OpenParent { get; private init; }

        /// <summary>The backup, ready to be read and, for an increment, to open its chain (<see cref="BackupChain"/>).</summary>
        /// <param name="otherwise">Where the volumes are read when they do not stream from a destination (a multi-medium set).</param>
        public ArchiveSource Open(IVolumeSource? otherwise = null)
        {
            var s = ArchiveSource.Open(Directory, Volumes ?? otherwise);
            s.OpenParent = OpenParent;
            return s;
        }

        /// <param name="credentials">What reaches a remote backup (<see cref="ReadingCredentials"/>).</param>
        public static LocalBackup Resolve(CliContext ctx, string location, string? spool, DestinationCredentials credentials)
        {
            if (!FetchSources.IsRemote(location))
            {
                if (spool is not null)
                {
                    throw new MkcdrecException(ExitCode.Usage, "--spool is for a backup given as a URL.", "Drop --spool, or give the backup as http(s)://, sftp://, nfs:// or s3://… .");
                }

                return new LocalBackup(NamedInDirectory(location), null, false);
            }

            if (spool is null && FetchSources.HasScheme(location, "nfs"))
            {
                return OnNfs(ctx, location);
            }

            if (spool is null && (FetchSources.HasScheme(location, "sftp") || FetchSources.HasScheme(location, "s3")))
            {
                return Streamed(ctx, location, credentials);
            }

            var (dir, temporary) = spool is not null ? (spool, false) : BackupFetcher.DefaultSpool();
            string shown;
            try
            {
                shown = Fetch(ctx, location, dir, replace: spool is null, credentials).Source;
            }
            catch
            {
                if (temporary)
                {
                    RemoveQuietly(dir);
                }

                throw;
            }

            return new LocalBackup(dir, shown, temporary);
        }

        // DIR/HOST/latest in a directory of named backups (a USB disk): the host's newest complete one, as at any destination.
        private static string NamedInDirectory(string location)
        {
            var full = Path.GetFullPath(location);
            if (File.Exists(Path.Combine(full, BackupFiles.Manifest)) || Path.GetFileName(full) != StoredBackupPath.Latest)
            {
                return location;
            }

            var path = StoredBackupPath.Parse(DestinationUrl.Parse(full));
            using var store = Core.Destinations.Local.DirectoryBackupStore.Open(path.Destination.Path);
            return store.PathOf(path.Resolve(store));
        }

        // An NFS backup is read where it lies, on the mounted export: no spool, the volumes stream into the restore.
        private static LocalBackup OnNfs(CliContext ctx, string location)
        {
            var path = StoredBackupPath.Parse(DestinationUrl.Parse(location));
            var store = Core.Destinations.Nfs.NfsBackupStore.Open(path.Destination, ctx.Runner);
            try
            {
                var name = path.Resolve(store);
                ctx.Log.Info($"Reading the backup {name} in place on {store.Display} (mounted at {store.Root})");
                var display = $"{store.Display}/{name}";
                ctx.Human.WriteLine($"Reading the backup {display} in place on the mounted export (no spool).");
                return new LocalBackup(store.PathOf(name), display, false, store, new MountedVolumes(display))
                {
                    OpenParent = link => ArchiveSource.Open(store.PathOf(link.Name), new MountedVolumes($"{store.Display}/{link.Name}")),
                };
            }
            catch
            {
                store.Dispose();
                throw;
            }
        }

        // An SFTP or S3 backup streams into the restore: no spool as large as the backup, only its manifest and layout here.
        private static LocalBackup Streamed(CliContext ctx, string location, DestinationCredentials credentials)
        {
            var volumes = StoreVolumes.Open(location, ctx.Log.Warn, ctx.Runner, ctx.Processes, credentials);
            var dir = System.IO.Directory.CreateTempSubdirectory("mkcdrec-streamed-").FullName;
            try
            {
                volumes.CopyDescription(dir);
                var line = $"Reading the backup {volumes.Display} as it streams (no spool); its manifest and layout are in {dir}.";
                ctx.Log.Info(line);
                ctx.Human.WriteLine(line);
                LocalBackup? backup = null;
                backup = new LocalBackup(dir, volumes.Display, temporary: true, volumes, volumes)
                {
                    OpenParent = link =>
                    {
                        var parent = volumes.Sibling(link.Name);
                        var parentDir = System.IO.Directory.CreateTempSubdirectory("mkcdrec-streamed-").FullName;
                        backup!._parentDirectories.Add(parentDir);
                        parent.CopyDescription(parentDir);
                        return ArchiveSource.Open(parentDir, parent);
                    },
                };
                return backup;
            }
            catch
            {
                volumes.Dispose();
                RemoveQuietly(dir);
                throw;
            }
        }

        public void Dispose()
        {
            _owner?.Dispose();
            if (_temporary)
            {
                RemoveQuietly(Directory);
            }

            _parentDirectories.ForEach(RemoveQuietly);
        }

        private static void RemoveQuietly(string dir)
        {
            try
            {
                if (System.IO.Directory.Exists(dir))
                {
                    System.IO.Directory.Delete(dir, recursive: true);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
