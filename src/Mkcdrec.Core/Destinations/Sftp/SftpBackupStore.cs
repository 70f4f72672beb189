using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Destinations.Sftp;

/// <summary>
/// Backups in a directory of an SSH server, over SFTP through OpenSSH's client (<see cref="SftpSession"/>): volumes
/// stream as NAME.partial and are renamed when complete; a listing walks the directories under the destination's.
/// </summary>
public sealed class SftpBackupStore(SftpSession session, SftpTarget target) : IBackupStore
{
    public string Display => $"sftp://{target.Display}{(target.Directory.StartsWith('/') ? "" : "/~/")}{target.Directory}";

    public static SftpBackupStore Open(DestinationUrl url, IPipedProcessStarter processes, DestinationCredentials? credentials = null)
    {
        var target = SftpTarget.From(url, credentials);
        var session = SftpSession.Connect(target, processes);
        if (target.Directory.Length > 0 && !SftpFiles.IsDirectory(session, target.Directory))
        {
            session.Dispose();
            throw new MkcdrecException(ExitCode.BadInput, $"There is no directory {target.Directory} on {target.Display}.",
                "Create it on the server (mkdir -p, writable by the SSH user) or correct the path in the sftp:// URL.");
        }

        return new SftpBackupStore(session, target);
    }

    public IOutputFile Create(string name) => new SftpUploadFile(session, target.PathOf(name));

    public void Put(string name, ReadOnlyMemory<byte> data)
    {
        using var f = Create(name);
        f.Write(data.Span);
        f.Commit();
    }

    public IEnumerable<StoredFile> List(string prefix)
    {
        var files = new List<StoredFile>();
        var slash = prefix.LastIndexOf('/');
        Walk(slash < 0 ? "" : prefix[..slash], depth: 0, files);
        return files.Where(f => f.Name.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
    }

    public void Delete(string name)
    {
        SftpFiles.Remove(session, target.PathOf(name));
        for (var dir = Parent(name); dir.Length > 0; dir = Parent(dir))
        {
            SftpFiles.RemoveDirectoryIfEmpty(session, target.PathOf(dir)); // an emptied HOST/TIME goes with its last file
        }
    }

    public Stream OpenRead(string name, long offset = 0) => new SftpReadStream(session, target.PathOf(name), offset);

    public void Dispose() => session.Dispose();

    private void Walk(string relative, int depth, List<StoredFile> files)
    {
        if (depth > 4 || SftpFiles.ReadDirectory(session, relative.Length == 0 ? Root : target.PathOf(relative)) is not { } entries)
        {
            return;
        }

        foreach (var e in entries)
        {
            var name = relative.Length == 0 ? e.Name : relative + "/" + e.Name;
            if (e.IsDirectory)
            {
                Walk(name, depth + 1, files);
            }
            else
            {
                files.Add(new StoredFile(name, e.Size, e.Modified));
            }
        }
    }

    private string Root => target.Directory.Length == 0 ? "." : target.Directory;

    private static string Parent(string name) => name.LastIndexOf('/') is var i and > 0 ? name[..i] : "";
}
