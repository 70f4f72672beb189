namespace Mkcdrec.Core.Destinations;

public enum DestinationKind
{
    Directory,
    Sftp,
    Nfs,
    S3,
    Http,
}

/// <summary>
/// Where backups go and come from (docs/destinations.md): a directory (a USB disk's mount point), sftp://[user@]host[:port]/path,
/// nfs://host/export/path (?vers=3 or 4), s3://bucket/prefix (?endpoint=URL&amp;region=R&amp;style=path|virtual&amp;profile=P)
/// and, for reading only, http(s)://. Parsing only: nothing is contacted.
/// </summary>
public sealed record DestinationUrl(DestinationKind Kind, string Text, string? User, string? Host, int? Port, string Path, IReadOnlyDictionary<string, string> Options)
{
    private static readonly Dictionary<DestinationKind, string[]> KnownOptions = new()
    {
        [DestinationKind.Directory] = [],
        [DestinationKind.Sftp] = ["config", "identity"],
        [DestinationKind.Nfs] = ["vers"],
        [DestinationKind.S3] = ["endpoint", "region", "style", "profile"],
        [DestinationKind.Http] = [],
    };

    /// <summary>True for the kinds mkbackup can write to (http(s) is for fetching only).</summary>
    public bool Writable => Kind != DestinationKind.Http;

    /// <summary>S3: the bucket (the URL's host); the object prefix is <see cref="Path"/> without its leading '/'.</summary>
    public string? Bucket => Kind == DestinationKind.S3 ? Host : null;

    public string? Option(string name) => Options.TryGetValue(name, out var v) ? v : null;

    public override string ToString() => Text;

    /// <summary>The same destination with another path (the URL's text rebuilt, its options kept).</summary>
    public DestinationUrl WithPath(string path)
    {
        var colon = Text.IndexOf("://", StringComparison.Ordinal);
        if (colon < 0)
        {
            return Parse(path);
        }

        var rest = Text[(colon + 3)..];
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        var body = q < 0 ? rest : rest[..q];
        var slash = body.IndexOf('/', StringComparison.Ordinal);
        var authority = slash < 0 ? body : body[..slash];
        var escaped = string.Join('/', path.Split('/').Select(Uri.EscapeDataString));
        return Parse(Text[..(colon + 3)] + authority + (escaped.StartsWith('/') ? "" : "/") + escaped + (q < 0 ? "" : rest[q..]));
    }

    /// <summary>The same destination without the named options (e.g. ?identity=, a path on this host, for a rescue medium).</summary>
    public DestinationUrl WithoutOptions(params string[] names)
    {
        var q = Text.IndexOf('?', StringComparison.Ordinal);
        if (q < 0 || Kind == DestinationKind.Http)
        {
            return this;
        }

        var kept = Text[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(pair => !names.Contains(Uri.UnescapeDataString(pair.Split('=', 2)[0]), StringComparer.Ordinal))
            .ToList();
        return Parse(Text[..q] + (kept.Count == 0 ? "" : "?" + string.Join('&', kept)));
    }

    public static DestinationUrl Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw Bad(text, "it is empty");
        }

        if (text.StartsWith('/'))
        {
            return new(DestinationKind.Directory, text, null, null, null, System.IO.Path.TrimEndingDirectorySeparator(text), new Dictionary<string, string>());
        }

        var colon = text.IndexOf("://", StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw Bad(text, "it is neither an absolute directory nor a URL");
        }

        var scheme = text[..colon].ToLowerInvariant();
        var kind = scheme switch
        {
            "file" => DestinationKind.Directory,
            "sftp" => DestinationKind.Sftp,
            "nfs" => DestinationKind.Nfs,
            "s3" => DestinationKind.S3,
            "http" or "https" => DestinationKind.Http,
            _ => throw Bad(text, $"the scheme '{scheme}' is not one mkcdrec knows"),
        };
        if (kind == DestinationKind.Http)
        {
            return new(kind, text, null, null, null, text, new Dictionary<string, string>());
        }

        var (rest, options) = SplitOptions(text, scheme, kind, text[(colon + 3)..]);
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = slash < 0 ? rest : rest[..slash];
        var path = slash < 0 ? "/" : Uri.UnescapeDataString(rest[slash..]);
        if (kind == DestinationKind.Directory)
        {
            if (authority.Length > 0 && authority != "localhost")
            {
                throw Bad(text, "a file:// URL names a directory on this machine (file:///path)");
            }

            return new(kind, text, null, null, null, System.IO.Path.TrimEndingDirectorySeparator(path), options);
        }

        var (user, host, port) = SplitAuthority(text, scheme, kind, authority);
        Validate(text, kind, host, port, path, options);
        return new(kind, text, user, host, port, path.Length > 1 ? path.TrimEnd('/') : path, options);
    }

    // The URL without its query, and the query's options (each one the kind knows).
    private static (string Remainder, Dictionary<string, string> Options) SplitOptions(string text, string scheme, DestinationKind kind, string rest)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        if (q < 0)
        {
            return (rest, options);
        }

        foreach (var pair in rest[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            if (!KnownOptions[kind].Contains(name))
            {
                throw Bad(text, KnownOptions[kind].Length == 0 ? $"{scheme}:// takes no options ('{name}')"
                    : $"'{name}' is not an option of {scheme}:// (known: {string.Join(", ", KnownOptions[kind])})");
            }

            options[name] = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
        }

        return (rest[..q], options);
    }

    // user@host:port: a user name only for sftp (never a password), a port from 1 to 65535, a host always.
    private static (string? User, string Host, int? Port) SplitAuthority(string text, string scheme, DestinationKind kind, string authority)
    {
        string? user = null;
        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            user = Uri.UnescapeDataString(authority[..at]);
            authority = authority[(at + 1)..];
            if (kind != DestinationKind.Sftp || user.Length == 0)
            {
                throw Bad(text, kind == DestinationKind.Sftp ? "the user name before '@' is empty" : $"{scheme}:// takes no user name (credentials are never part of the URL)");
            }

            if (user.Contains(':', StringComparison.Ordinal))
            {
                throw Bad(text, "a password in the URL would be visible to every user in ps: use an SSH key (docs/destinations.md)");
            }
        }

        int? port = null;
        var pc = authority.LastIndexOf(':');
        if (pc >= 0 && !authority.EndsWith(']'))
        {
            if (!int.TryParse(authority[(pc + 1)..], out var p) || p is < 1 or > 65535)
            {
                throw Bad(text, $"the port '{authority[(pc + 1)..]}' is not a number from 1 to 65535");
            }

            port = p;
            authority = authority[..pc];
        }

        if (authority.Length == 0)
        {
            throw Bad(text, kind == DestinationKind.S3 ? "it names no bucket (s3://bucket/prefix)" : "it names no host");
        }

        return (user, authority, port);
    }

    private static void Validate(string text, DestinationKind kind, string host, int? port, string path, Dictionary<string, string> options)
    {
        switch (kind)
        {
            case DestinationKind.S3:
                if (port is not null)
                {
                    throw Bad(text, "an s3:// URL names a bucket, not a server: give the server as ?endpoint=https://host:port");
                }

                if (host.Length is < 3 or > 63 || !host.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.'))
                {
                    throw Bad(text, $"'{host}' is not a bucket name (3 to 63 characters: lower-case letters, digits, '-' and '.')");
                }

                if (options.TryGetValue("style", out var style) && style is not ("path" or "virtual"))
                {
                    throw Bad(text, $"style must be 'path' or 'virtual', not '{style}'");
                }

                if (options.TryGetValue("endpoint", out var ep) && !(Uri.TryCreate(ep, UriKind.Absolute, out var u) && u.Scheme is "http" or "https"))
                {
                    throw Bad(text, $"the endpoint '{ep}' is not an http:// or https:// URL");
                }

                break;
            case DestinationKind.Nfs:
                if (path == "/")
                {
                    throw Bad(text, "it names no exported directory (nfs://host/export/path)");
                }

                if (options.TryGetValue("vers", out var v) && v is not ("3" or "4" or "4.0" or "4.1" or "4.2"))
                {
                    throw Bad(text, $"vers must be 3, 4, 4.0, 4.1 or 4.2, not '{v}'");
                }

                break;
            case DestinationKind.Sftp:
                if (path == "/")
                {
                    throw Bad(text, "it names no directory on the server (sftp://[user@]host[:port]/path)");
                }

                break;
        }
    }

    private static MkcdrecException Bad(string text, string why) =>
        new(ExitCode.Usage, $"'{text}' is not a backup destination: {why}.",
            "Give a directory (/mnt/usb/backups), sftp://[user@]host[:port]/path, nfs://host/export/path or s3://bucket/prefix "
            + "(with ?endpoint=https://host:port for an S3-compatible store); see docs/destinations.md.");
}
