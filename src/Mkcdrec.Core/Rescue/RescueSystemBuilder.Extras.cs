using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Rescue;

/// <summary>
/// The admin's extras (sshd's keys, programs, modules), checked before mkbackup's long steps: a wrong name stops the run
/// before the backup, not after it, when the rescue system is built.
/// </summary>
public sealed partial class RescueSystemBuilder
{
    private const string DefaultAuthorizedKeys = "/root/.ssh/authorized_keys";

    /// <summary>Throws the error <see cref="Build"/> would throw for a missing key file, program or module.</summary>
    public void CheckExtras(RescueSystemOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Sshd)
        {
            AuthorizedKeys(options.AuthorizedKeysFile);
        }

        FindPrograms([], new RescueNeeds(null, false), options.ExtraPrograms);
        if (options.ExtraModules.Count > 0)
        {
            var release = FindKernel(options.Kernel).Release;
            var closure = KernelModuleIndex.Load(files, "/lib/modules/" + release).Resolve(options.ExtraModules);
            ThrowWhenExtraModulesMissing(options, release, closure.NotFound);
        }
    }

    /// <summary>The public keys sshd lets in as root; never empty (sshd without a key would be a door nobody can use).</summary>
    private string AuthorizedKeys(string? file)
    {
        var keys = file ?? DefaultAuthorizedKeys;
        var text = files.ReadText(keys);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new MkcdrecException(ExitCode.Usage, $"sshd in the rescue system needs public keys, and '{keys}' is missing or empty.",
                "Put the public keys allowed to log in (as root) into that file, or pass another file with --authorized-keys FILE.");
        }

        return text;
    }

    /// <summary>A module the admin named that the kernel does not have is an error; the components' own are only noted.</summary>
    private static void ThrowWhenExtraModulesMissing(RescueSystemOptions options, string release, IReadOnlyCollection<string> notFound)
    {
        var missing = options.ExtraModules.Where(notFound.Contains).ToList();
        if (missing.Count > 0)
        {
            throw new MkcdrecException(ExitCode.Usage, $"The kernel {release} has no module {string.Join(", ", missing)} (asked for with --add-module).",
                $"Check the name with modinfo -k {release} NAME (or ls /lib/modules/{release}/kernel), or pass another kernel with --kernel.");
        }
    }
}
