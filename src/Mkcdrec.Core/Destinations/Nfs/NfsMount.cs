using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Destinations.Nfs;

/// <summary>
/// An NFS export mounted by mount.nfs (nfs-common: it resolves names, asks rpcbind, negotiates the version) on a
/// private directory under /run/mkcdrec/nfs for as long as a backup or a recovery needs it; unmounted on Dispose.
/// </summary>
public sealed class NfsMount : IDisposable
{
    public const string MountRoot = "/run/mkcdrec/nfs";

    private readonly IProcessRunner _runner;
    private bool _mounted;

    private NfsMount(IProcessRunner runner, string source, string mountPoint)
    {
        _runner = runner;
        Source = source;
        MountPoint = mountPoint;
    }

    /// <summary>host:/export/path as mount.nfs takes it.</summary>
    public string Source { get; }

    public string MountPoint { get; }

    /// <summary>The mount options for the URL: its version and port (NFSv3 all over TCP); soft so a server that goes away fails the
    /// backup with an error instead of hanging it; no NLM locks (mkcdrec never locks, and rpc.statd may not run).</summary>
    public static string OptionsFor(DestinationUrl url)
    {
        var o = new List<string>();
        if (url.Option("vers") is { } v)
        {
            o.Add("vers=" + v);
            if (v == "3")
            {
                o.AddRange(["proto=tcp", "mountproto=tcp"]); // MOUNT over TCP too: servers and firewalls that drop UDP (NFS-Ganesha has no UDP MOUNT v3)
            }
        }

        if (url.Port is { } port)
        {
            o.Add("port=" + port);
        }

        o.AddRange(["soft", "timeo=150", "retrans=3", "retry=0", "nolock"]);
        return string.Join(',', o);
    }

    public static string SourceFor(DestinationUrl url) => url.Host + ":" + url.Path;

    /// <param name="mountRoot">Where the private mount point is made (tests: their own directory).</param>
    public static NfsMount Mount(DestinationUrl url, IProcessRunner runner, string mountRoot = MountRoot)
    {
        if (!runner.CanRun("mount.nfs"))
        {
            throw new MkcdrecException(ExitCode.Environment, $"Mounting {url} needs mount.nfs, which is not installed.",
                "Install it (apt-get install nfs-common; dnf install nfs-utils) and run mkcdrec again.");
        }

        Directory.CreateDirectory(mountRoot);
        var dir = Path.Combine(mountRoot, "mnt." + Path.GetRandomFileName());
        Directory.CreateDirectory(dir);
        var m = new NfsMount(runner, SourceFor(url), dir);
        var r = runner.Run(new ProcessRequest("mount", ["-t", "nfs", "-o", OptionsFor(url), m.Source, dir]) { Timeout = TimeSpan.FromMinutes(3) });
        if (r.ExitCode != 0)
        {
            TryRemove(dir);
            throw NfsErrors.MountFailed(url, m.Source, (r.StandardError + r.StandardOutput).Trim());
        }

        m._mounted = true;
        return m;
    }

    public void Dispose()
    {
        if (_mounted)
        {
            // A lazy unmount when busy: a reader left open must not keep the next run's mount point from being made.
            if (_runner.Run("umount", MountPoint).ExitCode != 0)
            {
                _runner.Run("umount", "-l", MountPoint);
            }

            _mounted = false;
        }

        TryRemove(MountPoint);
    }

    private static void TryRemove(string dir)
    {
        try
        {
            Directory.Delete(dir);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
