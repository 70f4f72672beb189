using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Destinations.Sftp;

/// <summary>
/// Backups in a directory of an SSH server, over SFTP through OpenSSH's client (<see cref="SftpSession"/>): volumes
/// stream as NAME.partial and are renamed when complete; a listing walks the directories under the destination's.
/// A read after ssh ended connects anew (a restore goes on where it stopped); a write does not (the backup fails
/// clearly, the previous one stays the latest).
/// </summary>
public sealed class SftpBackupStore : IBackupStore
{
    private readonly SftpTarget _target;
    private readonly IPipedProcessStarter _processes;
    private SftpSession _session;

    /// <param name="processes">Starts ssh again when a read finds the session ended.</param>
    public SftpBackupStore(SftpSession session, SftpTarget target, IPipedProcessStarter processes)
    {
        _session = session;
        _target = target;
        _processes = processes;
    }

    public string Display => $"sftp://{_target.Display}{(_target.Directory.StartsWith('/') ? "" : "/~/")}{_target.Directory}";

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

        return new SftpBackupStore(session, target, processes);
    }

    public IOutputFile Create(string name) => new SftpUploadFile(_session, _target.PathOf(name));

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
        SftpFiles.Remove(_session, _target.PathOf(name));
        for (var dir = Parent(name); dir.Length > 0; dir = Parent(dir))
        {
            SftpFiles.RemoveDirectoryIfEmpty(_session, _target.PathOf(dir)); // an emptied HOST/TIME goes with its last file
        }
    }

    public Stream OpenRead(string name, long offset = 0)
    {
        if (_session.Broken)
        {
            var fresh = SftpSession.Connect(_target, _processes); // a refusal now (host key, network) is the error to show
            _session.Dispose();
            _session = fresh;
        }

        return new SftpReadStream(_session, _target.PathOf(name), offset);
    }

    public bool ConnectionBroken => _session.Broken;

    public void Dispose() => _session.Dispose();

    private void Walk(string relative, int depth, List<StoredFile> files)
    {
        if (depth > 4 || SftpFiles.ReadDirectory(_session, relative.Length == 0 ? Root : _target.PathOf(relative)) is not { } entries)
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

    private string Root => _target.Directory.Length == 0 ? "." : _target.Directory;

    private static string Parent(string name) => name.LastIndexOf('/') is var i and > 0 ? name[..i] : "";
}
