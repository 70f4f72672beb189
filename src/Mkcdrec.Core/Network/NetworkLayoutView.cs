using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Network;

public sealed partial class NetworkTechnology
{
    /// <summary>Interfaces and addresses; none matters: they change nothing a recovery recreates.</summary>
    public void AddLayoutFacts(LayoutFacts facts, LayoutDocument layout)
    {
        foreach (var i in layout.Network.Interfaces)
        {
            facts.Add($"net {i.Name} mac", i.Mac, matters: false);
            facts.Add($"net {i.Name} addresses", string.Join(' ', i.Addresses) + (i.Dhcp ? " (dhcp)" : ""), matters: false);
        }
    }
}
