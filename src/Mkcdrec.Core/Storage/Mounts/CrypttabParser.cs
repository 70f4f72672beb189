using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Mounts;

/// <summary>/etc/crypttab (crypttab(5)): name, device, key file ("none" and "-" mean none), options.</summary>
public static class CrypttabParser
{
    public static List<CrypttabEntry> Parse(string text)
    {
        var list = new List<CrypttabEntry>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var f = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 2)
            {
                continue;
            }

            list.Add(new CrypttabEntry
            {
                Name = f[0],
                Device = f[1],
                KeyFile = f.Length > 2 && f[2] != "none" && f[2] != "-" ? f[2] : null,
                Options = f.Length > 3 ? f[3] : null,
            });
        }

        return list;
    }
}
