using System.Text.RegularExpressions;
using Mkcdrec.Core.Rescue;
using Mkcdrec.Tests.Shared;

namespace Mkcdrec.Core.Tests.Rescue;

/// <summary>Runs functions of the rescue system's shell scripts (/init, the menu) in busybox sh, as the script tests need them.</summary>
internal static partial class RescueScripts
{
    private static readonly string? Busybox = new[] { "/usr/bin/busybox", "/bin/busybox" }.FirstOrDefault(File.Exists);

    /// <summary>A function: one line ending in "}", or up to the first line that is only "}".</summary>
    [GeneratedRegex(@"^(?<name>[a-z_]+)\(\) \{(?:[^\n]*\}\n|.*?^\}\n)", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FunctionDefinition();

    /// <summary>The named functions of a rescue script, as written there, with /run/mkcdrec moved to <paramref name="runDir"/>.</summary>
    public static string Functions(string script, string runDir, params string[] names)
    {
        var all = FunctionDefinition().Matches(RescueSystemBuilder.Resource(script)).ToDictionary(m => m.Groups["name"].Value, m => m.Value);
        return string.Concat(names.Select(n => all.TryGetValue(n, out var f) ? f : throw new InvalidOperationException($"{script} has no function {n}")))
            .Replace("/run/mkcdrec", runDir, StringComparison.Ordinal);
    }

    /// <summary>Runs <paramref name="script"/> in busybox sh (the test is skipped where busybox is missing; CI installs it).</summary>
    public static Tool.Result Sh(string script)
    {
        Assert.SkipWhen(Busybox is null, "busybox is not installed");
        return Tool.Run(Busybox!, "sh", "-c", script);
    }
}
