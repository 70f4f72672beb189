using System.Globalization;
using System.Text.RegularExpressions;

namespace Mkcdrec.Core.Serve;

/// <summary>What serve offers a client: its unattended recovery, an unattended clone of another host with an identity of
/// its own, the rescue menu (an admin at its console decides), or its own disk (a machine that boots from the network
/// first and is not to be touched, e.g. one recovered before serve was restarted).</summary>
public enum ServeAction
{
    Recover,
    Clone,
    Menu,
    Local,
}

/// <summary>One line of the hosts file: the client's NIC (lower-case MAC), the host it is or becomes, what it gets;
/// for a clone, the host whose backup it takes (null: the one backup served).</summary>
public sealed record ServeHost(string Mac, string Hostname, ServeAction Action, int Line, string? From = null);

/// <summary>
/// The hosts file of <c>mkcdrec serve</c>: one client per line, "MAC HOSTNAME ACTION", '#' comments. Read whole and
/// refused whole: a bad line, a MAC or a hostname given twice stops serve before anything is served (docs/serve.md).
/// </summary>
public static partial class ServeHostsFile
{
    public const string Format = "MAC HOSTNAME ACTION (e.g. 52:54:00:12:34:56 web1 recover); ACTION is recover, clone, clone:HOST, menu or local";

    public static IReadOnlyList<ServeHost> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new MkcdrecException(ExitCode.Usage, $"The hosts file {path} does not exist.", "Give --hosts FILE with one line per client: " + Format + ".");
        }

        return Parse(File.ReadAllLines(path), path);
    }

    public static IReadOnlyList<ServeHost> Parse(IReadOnlyList<string> lines, string file)
    {
        var hosts = new List<ServeHost>();
        for (var i = 0; i < lines.Count; i++)
        {
            var text = lines[i];
            var hash = text.IndexOf('#', StringComparison.Ordinal);
            var words = (hash >= 0 ? text[..hash] : text).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
            {
                continue;
            }

            hosts.Add(ParseLine(words, file, i + 1));
        }

        foreach (var (what, key) in new (string, Func<ServeHost, string>)[] { ("MAC", h => h.Mac), ("hostname", h => h.Hostname.ToLowerInvariant()) })
        {
            if (hosts.GroupBy(key).FirstOrDefault(g => g.Count() > 1) is { } twice)
            {
                var at = string.Join(" and ", twice.Select(h => h.Line.ToString(CultureInfo.InvariantCulture)));
                throw Bad(file, twice.Last().Line, $"the {what} {twice.Key} is on lines {at}", "Give each client one line: a MAC and a hostname belong to one machine.");
            }
        }

        return hosts;
    }

    private static ServeHost ParseLine(string[] words, string file, int line)
    {
        if (words.Length != 3)
        {
            throw Bad(file, line, $"{words.Length} word(s) where 3 belong", "Write " + Format + ".");
        }

        var mac = words[0].Replace('-', ':').ToLowerInvariant();
        if (!Mac().IsMatch(mac))
        {
            throw Bad(file, line, $"'{words[0]}' is not a MAC address", "Write it as six hex pairs: 52:54:00:12:34:56.");
        }

        if (!Hostname().IsMatch(words[1]))
        {
            throw Bad(file, line, $"'{words[1]}' is not a host name", "Use letters, digits and '-' (a host name, not a domain name), at most 63 characters.");
        }

        var (verb, from) = words[2].IndexOf(':', StringComparison.Ordinal) is var colon and > 0 ? (words[2][..colon], words[2][(colon + 1)..]) : (words[2], null);
        var action = verb.ToLowerInvariant() switch
        {
            "recover" when from is null => ServeAction.Recover,
            "menu" when from is null => ServeAction.Menu,
            "local" when from is null => ServeAction.Local,
            "clone" when from is null || Hostname().IsMatch(from) => ServeAction.Clone,
            _ => throw Bad(file, line, $"'{words[2]}' is not an action",
                "The action is recover (its own backup, unattended), clone or clone:HOST (that backup with this host's name, a new machine-id and new SSH host keys), menu (the rescue menu) or local (its own disk)."),
        };
        return new ServeHost(mac, words[1], action, line, from);
    }

    private static MkcdrecException Bad(string file, int line, string what, string hint) =>
        new(ExitCode.Usage, $"{file}:{line}: {what}.", hint);

    [GeneratedRegex("^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")]
    private static partial Regex Mac();

    [GeneratedRegex("^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")]
    private static partial Regex Hostname();
}
