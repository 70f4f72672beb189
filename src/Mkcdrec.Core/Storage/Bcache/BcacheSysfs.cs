using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage.Bcache;

/// <summary>
/// bcache is driven through sysfs, and bcache-tools has no command for most of it (registering quietly, the label, a
/// cache mode other than writeback): the steps write attributes with `tee FILE`, the value on its standard input, and
/// check with `test` what the kernel made. No shell: plan commands are exact argument vectors.
/// </summary>
internal static class BcacheSysfs
{
    /// <summary>Writes <paramref name="value"/> to the sysfs attribute <paramref name="file"/>.</summary>
    public static PlanCommand Write(string file, string value) => new(["tee", file]) { StandardInput = value };

    /// <summary>Registers a backing or cache device; "quiet" also succeeds when udev's bcache rule registered it already.</summary>
    public static PlanCommand Register(string device) => Write("/sys/fs/bcache/register_quiet", device);

    public static PlanCommand Command(params string[] argv) => new(argv);

    /// <summary>The sysfs directory of a bcache device's backing side: /dev/bcache0 → /sys/block/bcache0/bcache.</summary>
    public static string Attributes(string bcachePath) => "/sys/block/" + Path.GetFileName(bcachePath) + "/bcache";

    /// <summary>
    /// Adds a step whose commands carry standard input (<see cref="PlanContext.AddStep"/> takes argument vectors only).
    /// </summary>
    public static PlanStep AddStep(PlanContext context, string kind, string id, string description, IEnumerable<string> devices,
        IEnumerable<string> requires, IEnumerable<string> provides, List<PlanCommand> commands)
    {
        var step = context.AddStep(kind, id, description, true, devices, requires, provides, [.. commands.Select(c => (IEnumerable<string>)c.Argv)]);
        for (var i = 0; i < commands.Count; i++)
        {
            step.Commands[i].StandardInput = commands[i].StandardInput;
        }

        return step;
    }
}
