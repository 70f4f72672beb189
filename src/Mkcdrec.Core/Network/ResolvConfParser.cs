namespace Mkcdrec.Core.Network;

/// <summary>/etc/resolv.conf: nameservers and search domains ("domain" counts as a search domain).</summary>
public static class ResolvConfParser
{
    public static (List<string> Nameservers, List<string> Search) Parse(string text)
    {
        var ns = new List<string>();
        var search = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var f = raw.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 2 && f[0] == "nameserver")
            {
                ns.Add(f[1]);
            }
            else if (f.Length >= 2 && f[0] is "search" or "domain")
            {
                search.AddRange(f.Skip(1));
            }
        }

        return (ns, search);
    }
}
