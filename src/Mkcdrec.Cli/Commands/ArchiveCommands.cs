using System.CommandLine;
using System.Diagnostics;
using System.Text;
using Mkcdrec.Cli.Json;
using Mkcdrec.Core;
using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Secrets;

namespace Mkcdrec.Cli.Commands;

/// <summary>archive create / archive extract / verify: thin commands over the archive engine in Mkcdrec.Core.Archive.</summary>
internal static class ArchiveCommands
{
    private static Option<string?> PassphraseFile() => new("--passphrase-file")
    {
        Description = "Read the passphrase from the first line of FILE ('-' asks on the terminal). Never stored on the medium or in logs.",
        HelpName = "FILE",
    };

    private static Option<string?> IdOption() => new("--id")
    {
        Description = "The filesystem id of the archive (from the layout).",
        HelpName = "ID",
    };

    public static Command Archive()
    {
        var c = new Command("archive", "Back up and restore a directory tree with the archive engine.");
        c.Add(Create());
        c.Add(Extract());
        return c;
    }

    private static Command Create()
    {
        var root = new Option<string>("--root") { Description = "The tree to archive (one filesystem: mount points are not crossed).", HelpName = "DIR", Required = true };
        var dest = new Option<string>("--dest") { Description = "Where to write volumes and manifest.json.", HelpName = "DIR", Required = true };
        var id = IdOption();
        var compress = MkBackupOnlyCommandOptions.CompressOption();
        var level = new Option<int?>("--level") { Description = "Compression level (zstd 1-19, default 3; gzip 1-9, default 6).", HelpName = "N" };
        var threads = new Option<int>("--threads") { Description = "zstd worker threads (default: one per processor).", HelpName = "N" };
        var encrypt = new Option<bool>("--encrypt") { Description = "Encrypt (openssl enc -aes-256-cbc -pbkdf2 compatible); needs --passphrase-file." };
        var pass = PassphraseFile();
        var iter = new Option<int>("--iterations") { Description = "PBKDF2 iterations (default 100000).", HelpName = "N", DefaultValueFactory = _ => Mkcdrec.Formats.Crypto.OpenSslEnc.DefaultIterations };
        var vsize = MkBackupOnlyCommandOptions.VolumeSizeOption("Split into volumes: cd, dvd, dvd-dl, bd, bd-dl or bytes (K/M/G suffix). Volumes never exceed 4 GiB (ISO9660).");
        var exclude = new Option<string[]>("--exclude") { Description = "Exclude paths matching PAT (relative to --root; repeatable).", HelpName = "PAT" };
        var noDefaults = new Option<bool>("--no-default-excludes") { Description = "Do not apply the default excludes (proc/*, sys/*, run/*, tmp/*, caches...)." };
        var parentDir = new Option<string?>("--incremental-from")
        {
            Description = "Make an increment: archive only what changed since the backup in DIR (the full one or the previous increment), "
                          + "listing the rest; GNU tar restores the chain with --listed-incremental=/dev/null (docs/incremental.md).",
            HelpName = "DIR",
        };
        var cmd = new Command("create", "Archive a tree (one filesystem) into volumes with a manifest.")
        {
            root, dest, id, compress, level, threads, encrypt, pass, iter, vsize, exclude, noDefaults, parentDir,
        };
        cmd.SetAction(int (ParseResult p) =>
        {
            using var ctx = CliContext.Create(p, "archive-create");
            var wantEncrypt = p.GetValue(encrypt);
            var passFile = p.GetValue(pass);
            if (wantEncrypt && passFile is null)
            {
                throw new MkcdrecException(ExitCode.Usage, "--encrypt needs --passphrase-file.", "Give --passphrase-file FILE, or '-' to type the passphrase.");
            }

            if (p.GetValue(iter) is <= 0 or > ArchiveSource.MaxIterations)
            {
                throw new MkcdrecException(ExitCode.Usage, $"--iterations {p.GetValue(iter)} is out of range.", $"Give 1 to {ArchiveSource.MaxIterations} (default {Mkcdrec.Formats.Crypto.OpenSslEnc.DefaultIterations}).");
            }

            var fsId = p.GetValue(id) ?? "root";
            var passphrase = wantEncrypt ? ReadPassphrase(passFile!, confirm: true) : null;
            var options = new CreateOptions
            {
                Root = p.GetValue(root)!,
                Destination = p.GetValue(dest)!,
                FilesystemId = fsId,
                // Read on a thread of its own: the walk lists the tree meanwhile.
                Parent = p.GetValue(parentDir) is { } pd ? Task.Run(() => ParentBackup.FromDirectory(pd, passphrase).For(fsId)) : null,
                Compression = ArchivePipeline.Parse(p.GetValue(compress)!),
                Level = p.GetValue(level),
                Threads = p.GetValue(threads),
                Passphrase = passphrase,
                Iterations = p.GetValue(iter),
                VolumeSize = p.GetValue(vsize) is { } vs ? VolumeSizes.Parse(vs) : 0,
                Excludes = p.GetValue(exclude) ?? [],
                DefaultExcludes = !p.GetValue(noDefaults),
            };
            var events = new CliEvents(ctx);
            var sw = Stopwatch.StartNew();
            var rec = new ArchiveCreator(ctx.FileSystem, events).Create(options);
            events.EndProgress();
            var secs = sw.Elapsed.TotalSeconds;
            var stored = rec.Volumes.Sum(v => v.Size);
            ctx.Log.Info($"archive '{rec.FilesystemId}': {rec.EntryCount} entries, {rec.Bytes} bytes, {rec.Volumes.Count} volumes, {stored} bytes stored, {secs:F1} s");
            if (ctx.Json)
            {
                CliJson.WriteLine(new ArchiveCreateOutput(rec.FilesystemId, rec.EntryCount, rec.Bytes, stored, rec.Volumes.Count, secs, rec.Notes.Count),
                    CliJsonContext.Default.ArchiveCreateOutput);
            }
            else
            {
                var unchanged = rec.Since is null ? "" : $" changed since {rec.Since:u} ({rec.Files.Count(f => f.Unchanged == true)} unchanged listed)";
                Console.WriteLine($"Archived {rec.EntryCount} entries{unchanged} ({Mib(rec.Bytes)} MiB) from {rec.Root} in {secs:F1} s ({Mib(rec.Bytes) / Math.Max(secs, 1e-3):F0} MiB/s): " +
                    $"{rec.Volumes.Count} volume(s), {Mib(stored)} MiB, in {Path.GetFullPath(options.Destination)}" + (rec.Notes.Count > 0 ? $"; {rec.Notes.Count} problem(s) noted in the manifest." : "."));
            }

            return 0;
        });
        return cmd;
    }

    private static Command Extract()
    {
        var from = new Option<string>("--from")
        {
            Description = "The backup: its directory (manifest.json and volumes), or a URL as verify takes it (sftp:// and s3:// stream into the restore).",
            HelpName = "DIR|URL", Required = true,
        };
        var to = new Option<string>("--to") { Description = "Where to restore.", HelpName = "DIR", Required = true };
        var id = IdOption();
        var pass = PassphraseFile();
        var secrets = SecretsOption();
        var spool = FetchCommands.Spool();
        var caFile = ReadingCredentials.CaFileOption();
        var cmd = new Command("extract", "Restore an archive with all its metadata (owners, modes, xattrs, ACLs, devices, links, sparse files, times).")
        {
            from, to, id, pass, secrets, spool, caFile,
        };
        cmd.SetAction(int (ParseResult p) =>
        {
            using var ctx = CliContext.Create(p, "archive-extract");
            using var local = FetchCommands.LocalBackup.Resolve(ctx, p.GetValue(from)!, p.GetValue(spool), ReadingCredentials.For(p.GetValue(secrets), caFile: p.GetValue(caFile)));
            var src = local.Open(MediaLocators.For(local.Directory, ctx));
            var encrypted = src.IsSealed || src.Manifest.Archives.Any(x => x.Encryption is not null);
            var passphrase = encrypted ? VerifyPassphrase(p.GetValue(pass), p.GetValue(secrets)) : null;
            var a = src.Unseal(passphrase).Select(p.GetValue(id));
            var chain = BackupChain.Of(src); // an increment is restored with its chain, oldest first
            var events = new CliEvents(ctx);
            var sw = Stopwatch.StartNew();
            ExtractResult result;
            try
            {
                result = chain.Extract(a, p.GetValue(to)!, passphrase, new ArchiveExtractor(ctx.FileSystem, events), ctx.Log.Info);
            }
            catch (InvalidDataException e)
            {
                // Never let a damaged archive look restored: say plainly that what is in the target is incomplete.
                events.EndProgress();
                throw new MkcdrecException(ExitCode.BadInput,
                    $"The restore of '{a.FilesystemId}' into {p.GetValue(to)} stopped and is INCOMPLETE: {e.Message}",
                    "The files already written there are not a usable restore. Use an intact copy of the named volume (or another backup) and extract again.", e);
            }

            events.EndProgress();
            var secs = sw.Elapsed.TotalSeconds;
            if (result.Problems.Count > 0)
            {
                throw new MkcdrecException(ExitCode.Environment,
                    $"{result.Problems.Count} of {result.Entries} entries could not be restored exactly (first: {result.Problems[0]}).",
                    "Restore as root onto a filesystem with xattr and ACL support; the log lists every problem.");
            }

            if (ctx.Json)
            {
                CliJson.WriteLine(new ArchiveExtractOutput(result.Entries, result.Bytes, secs), CliJsonContext.Default.ArchiveExtractOutput);
            }
            else
            {
                Console.WriteLine($"Restored {result.Entries} entries ({Mib(result.Bytes)} MiB) of '{a.FilesystemId}' into {p.GetValue(to)} in {secs:F1} s; every volume chunk and file hash matched the manifest.");
            }

            return 0;
        });
        return cmd;
    }

    public static Command Verify()
    {
        var dir = new Argument<string>("DIR|URL") { Description = "The backup directory, or its http(s):// URL (fetched into --spool first)." };
        var spool = FetchCommands.Spool();
        var compare = new Option<bool>("--compare") { Description = "List changed, missing and new files against the live tree (exit 1 when there are differences)." };
        var root = new Option<string?>("--root") { Description = "The live tree to compare with (default: the archived root).", HelpName = "DIR" };
        var id = IdOption();
        var pass = PassphraseFile();
        var secrets = SecretsOption();
        var caFile = ReadingCredentials.CaFileOption();
        var cmd = new Command("verify", "Check every backup volume against the manifest and test-read every archive; with --compare, compare with a live tree.")
        {
            dir, compare, root, id, pass, secrets, spool, caFile,
        };
        cmd.SetAction(int (ParseResult p) =>
        {
            using var ctx = CliContext.Create(p, "verify");
            using var local = FetchCommands.LocalBackup.Resolve(ctx, p.GetValue(dir)!, p.GetValue(spool), ReadingCredentials.For(p.GetValue(secrets), caFile: p.GetValue(caFile)));
            var verifier = new ArchiveVerifier(ctx.FileSystem, new CliEvents(ctx));
            var backup = local.Directory;
            if (p.GetValue(compare))
            {
                var src = ArchiveSource.Open(backup);
                src.Unseal(src.IsSealed ? VerifyPassphrase(p.GetValue(pass), p.GetValue(secrets)) : null);
                var a = src.Select(p.GetValue(id));
                var liveRoot = p.GetValue(root) ?? (src.IsSealed ? "" : a.Root);
                var r = verifier.Compare(src, liveRoot, a.FilesystemId);
                if (ctx.Json)
                {
                    CliJson.WriteLine(new CompareOutput(r.Changed, r.Missing, r.New), CliJsonContext.Default.CompareOutput);
                }
                else
                {
                    r.Changed.ForEach(x => Console.WriteLine("changed " + x));
                    r.Missing.ForEach(x => Console.WriteLine("missing " + x));
                    r.New.ForEach(x => Console.WriteLine("new     " + x));
                    Console.WriteLine(r.HasDifferences
                        ? $"{r.Changed.Count} changed, {r.Missing.Count} missing, {r.New.Count} new compared with {liveRoot}."
                        : $"No differences between archive '{a.FilesystemId}' and {liveRoot}.");
                }

                return r.HasDifferences ? (int)ExitCode.Changed : 0;
            }

            var report = verifier.VerifyChain(local.Open(MediaLocators.For(backup, ctx)), VerifyPassphrase(p.GetValue(pass), p.GetValue(secrets)));
            if (ctx.Json)
            {
                CliJson.WriteLine(new VerifyOutput(report.Checked, report.Skipped), CliJsonContext.Default.VerifyOutput);
            }
            else
            {
                report.Checked.ForEach(x => Console.WriteLine("ok      " + x));
                report.Skipped.ForEach(x => Console.WriteLine("skipped " + x));
            }

            if (report.Skipped.Count > 0)
            {
                // Volume hashes alone say the files are as written, not that they decrypt and hold the tree: not a pass.
                Console.Error.WriteLine($"NOT fully verified: {report.Skipped.Count} archive(s) encrypted and not test-read; give --passphrase-file or --secrets to check their contents (exit code 8).");
                return (int)ExitCode.Incomplete;
            }

            return 0;
        });
        return cmd;
    }

    private static double Mib(long b) => Math.Round(b / 1048576.0, 1);


    /// <summary>--secrets DIR, shared by recover and verify: a directory laid out like the keys medium (docs/secrets.md).</summary>
    internal static Option<string?> SecretsOption() => new("--secrets")
    {
        Description = "A directory laid out like the keys medium: backup.passphrase, luks/UUID.key or .passphrase, luks/any.…, and for a backup off the machine ssh/known_hosts, ssh/id_*, ssh/config, s3/credentials (docs/secrets.md).",
        HelpName = "DIR",
    };

    /// <summary>verify's passphrase: --passphrase-file first, else the secrets directory's backup.passphrase, else none (encrypted archives are skipped).</summary>
    private static byte[]? VerifyPassphrase(string? passFile, string? secretsDir) =>
        passFile is not null ? ReadPassphrase(passFile, confirm: false)
        : secretsDir is not null ? new SecretsDirectory(secretsDir).BackupPassphrase()
        : null;

    /// <summary>The first line of FILE (like openssl's -pass file:), or typed on the terminal without echo for "-".</summary>
    internal static byte[] ReadPassphrase(string file, bool confirm)
    {
        if (file == "-")
        {
            var first = Prompt("Passphrase: ");
            if (confirm && !first.AsSpan().SequenceEqual(Prompt("Again: ")))
            {
                throw new MkcdrecException(ExitCode.Usage, "The passphrases differ.", "Run the command again and type the same passphrase twice.");
            }

            return first;
        }

        return PassphraseText.Read(file);
    }

    private static byte[] Prompt(string text)
    {
        if (Console.IsInputRedirected)
        {
            throw new MkcdrecException(ExitCode.Usage, "Cannot ask for the passphrase: no terminal.", "Use --passphrase-file FILE.");
        }

        return Encoding.UTF8.GetBytes(Terminal.ReadHidden(text)!);
    }

    /// <summary>Renders engine events: problems as warnings in the log, progress on a terminal (or JSON lines with --json).</summary>
    internal sealed class CliEvents(CliContext ctx, string noun = "entries") : IArchiveEvents
    {
        private readonly Stopwatch _sw = Stopwatch.StartNew();
        private long _last = -1000;
        private bool _drawn;
        private long _totalBytes = -1;
        private int _width;

        public void Totals(long entries, long bytes) => _totalBytes = bytes;

        public void Problem(string path, string message) => ctx.Log.Warn($"{path}: {message}");

        public void Step(string message) => ctx.Log.Info(message);

        public void Progress(long entries, long bytes, string currentPath)
        {
            var now = _sw.ElapsedMilliseconds;
            if (now - _last < 500)
            {
                return;
            }

            _last = now;
            var rate = Mib(bytes) / Math.Max(now / 1000.0, 1e-3);
            if (ctx.Json)
            {
                var total = _totalBytes >= 0 ? _totalBytes : (long?)null;
                var eta = ProgressLine.Eta(bytes, _totalBytes, now / 1000.0) is { } e ? Math.Round(e) : (double?)null;
                CliJson.WriteLine(new ProgressOutput(new ProgressDetail(entries, bytes, total, rate, eta)), CliJsonContext.Default.ProgressOutput);
            }
            else if (!Console.IsErrorRedirected)
            {
                // Padded so a shorter line covers the end of the previous one.
                var line = ProgressLine.Format(entries, noun, bytes, _totalBytes, now / 1000.0);
                Console.Error.Write("\r" + line.PadRight(_width));
                _width = Math.Max(_width, line.Length);
                _drawn = true;
            }
        }

        public void EndProgress()
        {
            if (_drawn)
            {
                Console.Error.WriteLine();
            }
        }
    }
}
