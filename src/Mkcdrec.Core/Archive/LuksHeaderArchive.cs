using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Archive;

/// <summary>
/// The LUKS headers of an encrypted backup (docs/secrets.md "LUKS keyslots"): at backup, `cryptsetup luksHeaderBackup`
/// of every container into a private directory, archived (encrypted like the rest) as <see cref="ArchiveId.LuksHeaders"/>;
/// at recovery, extracted into a private directory, each checked to carry the UUID it is named by, so
/// `cryptsetup luksHeaderRestore` brings back every keyslot and token, not only the one key given to the recovery.
/// </summary>
public sealed class LuksHeaderArchive(IProcessRunner run, IFileSystemAccess fs, ILog log)
{
    private const string Suffix = ".luksheader";

    /// <summary>The file name a container's header has in the archive.</summary>
    public static string FileName(string uuid) => uuid.ToLowerInvariant() + Suffix;

    /// <summary>The UUIDs whose headers the backup holds (from its file list: nothing is read or decrypted).</summary>
    public static HashSet<string> UuidsIn(BackupManifest manifest)
    {
        var uuids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var a = manifest.Archives.FirstOrDefault(x => x.FilesystemId == ArchiveId.LuksHeaders);
        foreach (var f in a?.Members() ?? [])
        {
            var name = Path.GetFileName(f.Path ?? "");
            if (f.Type == "f" && name.EndsWith(Suffix, StringComparison.Ordinal))
            {
                uuids.Add(name[..^Suffix.Length]);
            }
        }

        return uuids;
    }

    /// <summary>
    /// Backs up the header of every LUKS container of the layout into a new private directory and returns it (the caller
    /// archives it and deletes it with <see cref="PrivateFile.DeleteDirectory"/>); null when the layout has none.
    /// </summary>
    public string? Save(LayoutDocument layout, string? parent = null)
    {
        if (layout.Luks.Count == 0)
        {
            return null;
        }

        var dir = PrivateFile.CreateDirectory("mkcdrec-luks-headers", parent);
        try
        {
            foreach (var luks in layout.Luks)
            {
                var device = DeviceOf(layout, luks);
                var file = Path.Combine(dir, FileName(luks.Uuid));
                run.RunChecked(new ProcessRequest("cryptsetup", ["luksHeaderBackup", device, "--header-backup-file", file]));
                RequireUuid(file, luks.Uuid, $"the header backed up from {device}");
                log.Info($"backup: LUKS header of {luks.Uuid} ({device}) kept, {new FileInfo(file).Length} bytes");
            }
        }
        catch
        {
            PrivateFile.DeleteDirectory(dir);
            throw;
        }

        return dir;
    }

    /// <summary>
    /// Extracts the backup's LUKS headers into a new private directory under <paramref name="parent"/> (or /run) and
    /// returns UUID → header file, each checked to be that container's; empty when the backup holds none.
    /// </summary>
    public (string? Directory, Dictionary<string, string> Headers) Extract(ArchiveSource backup, byte[]? passphrase, string? parent = null)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var a = backup.Manifest.Archives.FirstOrDefault(x => x.FilesystemId == ArchiveId.LuksHeaders);
        if (a is null)
        {
            return (null, headers);
        }

        var dir = PrivateFile.CreateDirectory("mkcdrec-luks-headers", parent);
        try
        {
            using (var tar = backup.OpenTar(a, passphrase))
            {
                new ArchiveExtractor(fs).Extract(tar.Reader, dir, a.Members());
                tar.Drain();
            }

            foreach (var uuid in UuidsIn(backup.Manifest))
            {
                var file = Path.Combine(dir, FileName(uuid));
                RequireUuid(file, uuid, $"the backup's header file {FileName(uuid)}");
                headers[uuid] = file;
            }
        }
        catch
        {
            PrivateFile.DeleteDirectory(dir);
            throw;
        }

        log.Info($"recover: {headers.Count} LUKS header(s) from the backup, checked by UUID");
        return (dir, headers);
    }

    /// <summary>
    /// Refuses before any disk is touched when the key given for a container opens no keyslot of the header about to be
    /// written (after the write, the open would fail with the disk already changed).
    /// </summary>
    public void RequireKeyOpens(string header, string keyFile, string uuid)
    {
        var r = run.Run(new ProcessRequest("cryptsetup", ["open", "--test-passphrase", "--key-file", keyFile, header]));
        if (r.ExitCode != 0)
        {
            throw new MkcdrecException(ExitCode.Refused,
                $"LUKS {uuid}: the key given opens no keyslot of the header the backup kept ({r.StandardError.Trim()}); nothing was changed.",
                "Give a passphrase or key file that opened this container when the backup was made (--key-file FILE or the keys medium, docs/secrets.md).");
        }
    }

    /// <summary>The container's device now: its by-uuid link (names can change between boots), else the path it had at capture.</summary>
    private static string DeviceOf(LayoutDocument layout, LuksDevice luks)
    {
        var byUuid = "/dev/disk/by-uuid/" + luks.Uuid;
        return File.Exists(byUuid) ? byUuid
            : layout.DescribeDevice(luks.DeviceId) ?? throw new MkcdrecException(ExitCode.BadInput,
                $"LUKS {luks.Uuid}: no device found for it (no {byUuid}, and the layout names no path for {luks.DeviceId}).",
                "Capture the layout again on the running system and run the backup again.");
    }

    private void RequireUuid(string file, string uuid, string what)
    {
        var r = run.Run(new ProcessRequest("cryptsetup", ["luksUUID", file]));
        var got = r.StandardOutput.Trim();
        if (r.ExitCode != 0 || !string.Equals(got, uuid, StringComparison.OrdinalIgnoreCase))
        {
            throw new MkcdrecException(ExitCode.BadInput,
                $"LUKS {uuid}: {what} is not that container's header ({(r.ExitCode != 0 ? r.StandardError.Trim() : "its UUID is " + got)}).",
                "The backup does not match the layout: use the layout saved with this backup; no disk was touched.");
        }
    }
}
