namespace Mkcdrec.Platform.Linux;

public sealed partial class FileSystemAccess
{
    public string? UserName(uint uid) => LookupName(ref _users, "/etc/passwd", uid);

    public string? GroupName(uint gid) => LookupName(ref _groups, "/etc/group", gid);

    public uint? UserId(string name) => LookupId(ref _users, "/etc/passwd", name);

    public uint? GroupId(string name) => LookupId(ref _groups, "/etc/group", name);

    /// <summary>Read from /proc (the umask call would change it for a moment, under every thread's feet).</summary>
    public uint Umask
    {
        get
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("Umask:", StringComparison.Ordinal))
                {
                    return Convert.ToUInt32(line["Umask:".Length..].Trim(), 8);
                }
            }

            return 0x1FF;
        }
    }

    private static Dictionary<uint, string?> LoadIdNames(string file)
    {
        var d = new Dictionary<uint, string?>();
        try
        {
            foreach (var line in File.ReadLines(file))
            {
                var f = line.Split(':');
                if (f.Length >= 3 && uint.TryParse(f[2], out var id))
                {
                    d.TryAdd(id, f[0]);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return d;
    }

    private static string? LookupName(ref Dictionary<uint, string?>? cache, string file, uint id)
    {
        cache ??= LoadIdNames(file);
        return cache.TryGetValue(id, out var n) ? n : null;
    }

    private static uint? LookupId(ref Dictionary<uint, string?>? cache, string file, string name)
    {
        cache ??= LoadIdNames(file);
        foreach (var (id, n) in cache)
        {
            if (n == name)
            {
                return id;
            }
        }

        return null;
    }
}
