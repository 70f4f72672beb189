namespace Mkcdrec.Core.Storage.Filesystems;

/// <summary>`df -B1 --output=target,size,used`: size and used bytes per mount point.</summary>
public static class DfParser
{
    public static Dictionary<string, (long Size, long Used)> Parse(string text)
    {
        var d = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n').Skip(1))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 3 && long.TryParse(f[^2], out var size) && long.TryParse(f[^1], out var used))
            {
                d[string.Join(' ', f[..^2])] = (size, used);
            }
        }

        return d;
    }
}
