namespace Mkcdrec.Core.Destinations.S3;

/// <summary>
/// Finds S3 credentials and the region the way the AWS CLI does, so admins keep them where they already are
/// (docs/destinations.md): the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), then the
/// profile (AWS_PROFILE, else "default") in the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else
/// ~/.aws/credentials) and the config file (AWS_CONFIG_FILE, else ~/.aws/config, sections "[profile NAME]").
/// Region: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else us-east-1.
/// </summary>
public static class AwsConfigFiles
{
    /// <param name="ask">Asked for the keys when none are found (a recovery at a terminal); null: refused.</param>
    public static AwsSettings Resolve(Func<string, string?> getenv, string? home, string? profile = null, string? region = null, Func<AwsCredentials?>? ask = null)
    {
        var name = profile ?? NonEmpty(getenv("AWS_PROFILE")) ?? "default";
        var credFile = NonEmpty(getenv("AWS_SHARED_CREDENTIALS_FILE")) ?? (home is null ? null : Path.Combine(home, ".aws", "credentials"));
        var confFile = NonEmpty(getenv("AWS_CONFIG_FILE")) ?? (home is null ? null : Path.Combine(home, ".aws", "config"));
        var fromCred = Section(credFile, name);
        var fromConf = Section(confFile, name == "default" ? "default" : "profile " + name);

        region ??= NonEmpty(getenv("AWS_REGION")) ?? NonEmpty(getenv("AWS_DEFAULT_REGION")) ?? Get(fromConf, "region") ?? Get(fromCred, "region") ?? "us-east-1";

        // An explicit profile wins over the environment's keys (as with aws --profile).
        var envKey = NonEmpty(getenv("AWS_ACCESS_KEY_ID"));
        var envSecret = NonEmpty(getenv("AWS_SECRET_ACCESS_KEY"));
        if (profile is null && envKey is not null && envSecret is not null)
        {
            return new(new(envKey, envSecret, NonEmpty(getenv("AWS_SESSION_TOKEN"))), region, "the environment (AWS_ACCESS_KEY_ID)");
        }

        foreach (var (file, section) in new[] { (credFile, fromCred), (confFile, fromConf) })
        {
            var key = Get(section, "aws_access_key_id");
            var secret = Get(section, "aws_secret_access_key");
            if (key is not null && secret is not null)
            {
                return new(new(key, secret, Get(section, "aws_session_token")), region, $"profile '{name}' in {file}");
            }
        }

        if (ask?.Invoke() is { } typed)
        {
            return new(typed, region, "typed at the terminal");
        }

        throw new MkcdrecException(ExitCode.BadInput, $"No S3 credentials found (profile '{name}', files {credFile ?? "-"} and {confFile ?? "-"}).",
            "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or put aws_access_key_id and aws_secret_access_key in the "
            + "profile's section of ~/.aws/credentials (AWS_PROFILE or --s3-profile picks the profile); in the rescue system, or with --secrets DIR, "
            + "in s3/credentials on the keys medium (docs/secrets.md), or run the command at the console to type them.");
    }

    /// <summary>The key = value pairs of one [section] of an AWS INI file (comments # and ;), or null.</summary>
    public static Dictionary<string, string>? Section(string? file, string section)
    {
        if (file is null || !File.Exists(file))
        {
            return null;
        }

        return ParseSection(File.ReadAllLines(file), section);
    }

    public static Dictionary<string, string>? ParseSection(IEnumerable<string> lines, string section)
    {
        Dictionary<string, string>? found = null;
        var inSection = false;
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[' && line[^1] == ']')
            {
                inSection = string.Equals(string.Join(' ', line[1..^1].Split(' ', StringSplitOptions.RemoveEmptyEntries)), section, StringComparison.Ordinal);
                if (inSection)
                {
                    found ??= new(StringComparer.OrdinalIgnoreCase);
                }

                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (inSection && eq > 0)
            {
                found![line[..eq].Trim()] = line[(eq + 1)..].Trim();
            }
        }

        return found;
    }

    private static string? Get(Dictionary<string, string>? section, string key) =>
        section is not null && section.TryGetValue(key, out var v) && v.Length > 0 ? v : null;

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
