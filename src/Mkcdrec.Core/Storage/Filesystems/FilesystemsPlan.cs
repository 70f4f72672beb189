using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage.Filesystems;

public sealed partial class FilesystemsTechnology
{
    /// <summary>Every filesystem of the layout, in layout order, made by the technology that knows its type.</summary>
    public void AddSteps(PlanContext context)
    {
        foreach (var f in context.Layout.Filesystems)
        {
            var ids = PlanContext.FilesystemDevices(f);
            if (ids.Count == 0 || !ids.All(context.IsPresent))
            {
                if (ids.Any(context.IsPresent))
                {
                    throw new MkcdrecException(ExitCode.Refused,
                        $"Filesystem {f.Type} {f.Uuid} would miss some of its devices; it cannot be recreated.",
                        "Map a disk for every disk it was on, with --map SRC=DST.");
                }

                continue;
            }

            var family = context.FilesystemFamily(f.Type);
            if (family is null)
            {
                context.Warn($"Filesystem type {f.Type} ({f.Uuid}) is not recreated: mkcdrec does not know how to make it.");
                continue;
            }

            family.AddMkfsSteps(context, new FilesystemTarget(f, ids, [.. ids.Select(id => context.Paths[id])], ids.Any(context.IsResized)));
        }
    }

    public void AddMkfsSteps(PlanContext context, FilesystemTarget target)
    {
        var f = target.Filesystem;
        switch (f.Type)
        {
            case Model.Layout.FilesystemTypes.Xfs:
                context.AddMkfsStep(target, XfsArguments.Make(target));
                break;
            case Model.Layout.FilesystemTypes.Vfat:
                context.AddMkfsStep(target, VfatArguments(target));
                break;
            case Model.Layout.FilesystemTypes.Swap:
                AddSwap(context, target);
                break;
            default:
                context.AddMkfsStep(target, ExtArguments.Make(target));
                break;
        }
    }

    private static List<string> VfatArguments(FilesystemTarget target)
    {
        var f = target.Filesystem;
        var argv = new List<string> { "mkfs.vfat" };
        if (f.Vfat?.FatSize is { Length: > 0 } fat && new string(fat.Where(char.IsAsciiDigit).ToArray()) is { Length: > 0 } bits)
        {
            argv.AddRange(["-F", bits]);
        }

        if (f.Uuid is not null)
        {
            argv.AddRange(["-i", f.Uuid.Replace("-", "", StringComparison.Ordinal)]);
        }

        if (target.Label is not null)
        {
            argv.AddRange(["-n", target.Label]);
        }

        return argv;
    }

    private static void AddSwap(PlanContext context, FilesystemTarget target)
    {
        var f = target.Filesystem;
        var argv = new List<string> { "mkswap" };
        if (f.Uuid is not null)
        {
            argv.AddRange(["-U", f.Uuid]);
        }

        if (target.Label is not null)
        {
            argv.AddRange(["-L", target.Label]);
        }

        argv.AddRange(target.Devices);
        context.AddStep(StepKinds.Mkswap, f.Id, $"Make swap on {target.Devices[0]} (UUID {f.Uuid})", true, target.Devices, target.SourceIds, [f.Id], argv);
    }
}
