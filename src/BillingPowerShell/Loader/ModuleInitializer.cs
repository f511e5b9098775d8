// Hooks assembly resolution as early as possible.
//
// PowerShell reflects over BillingPowerShell.dll's types as soon as the module is imported; the first time a cmdlet's
// property, OutputType or method mentions a type of BillingPowerShell.Engine, the runtime asks for that assembly. It
// is not next to BillingPowerShell.dll (it lives in dependencies/<build>/, see DependencyResolver), so the default
// context fails and raises its Resolving event, where DependencyResolver must already be listening. Two hooks make
// sure it is:
//   * a module initializer, which the runtime runs before any code of this assembly executes;
//   * IModuleAssemblyInitializer.OnImport, which PowerShell calls on import (a backup, and it re-registers after
//     Remove-Module / Import-Module in the same session, since OnRemove unregisters).
using System.Management.Automation;
using System.Runtime.CompilerServices;

namespace BillingPowerShell.Loader
{
    internal static class ModuleInitializer
    {
        [ModuleInitializer]
        internal static void Initialize() => DependencyResolver.Register();
    }

    /// <summary>Registers the module's assembly resolver on import and removes it on Remove-Module.</summary>
    public sealed class ModuleAssemblyInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        /// <inheritdoc />
        public void OnImport()
        {
            DependencyResolver.Register();
            PublicTypeNames.Register();
        }

        /// <inheritdoc />
        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            PublicTypeNames.Unregister();
            DependencyResolver.Unregister();
        }
    }
}
