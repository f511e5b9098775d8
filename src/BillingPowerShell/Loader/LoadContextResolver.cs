// PowerShell 7 side of DependencyResolver: the default context's Resolving hook and our load context.
using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace BillingPowerShell.Loader
{
    internal static class LoadContextResolver
    {
        private static readonly Lazy<DependencyLoadContext> s_context =
            new Lazy<DependencyLoadContext>(() => new DependencyLoadContext(DependencyResolver.DependencyDirectory));

        internal static DependencyLoadContext Context => s_context.Value;

        internal static void Register() => AssemblyLoadContext.Default.Resolving += OnDefaultResolving;

        internal static void Unregister() => AssemblyLoadContext.Default.Resolving -= OnDefaultResolving;

        private static Assembly? OnDefaultResolving(AssemblyLoadContext defaultContext, AssemblyName name)
        {
            // Only the engine crosses over; every other failed resolution in the default context is not ours.
            if (!string.Equals(name.Name, DependencyResolver.EngineAssemblyName, StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            return DependencyResolver.FindDependency(name) is null ? null : Context.LoadFromAssemblyName(name);
        }
    }

    /// <summary>
    /// The module's own load context. Loads from the chosen folder, dependencies/&lt;build&gt;/
    /// (<see cref="DependencyResolver.DependencyDirectory"/>: net8.0 on .NET 8+, else netstandard2.0), whatever is
    /// there, except assemblies that the running .NET already provides (framework assemblies in
    /// TRUSTED_PLATFORM_ASSEMBLIES at a version at least the one asked for): those come from the default context, so
    /// Span, Memory, Task, IAsyncEnumerable and JSON types stay shared with PowerShell and the runtime instead of being
    /// duplicated.
    /// </summary>
    internal sealed class DependencyLoadContext : AssemblyLoadContext
    {
        // Only these are ever taken from the platform. Azure.*, Microsoft.Identity.* and the like always come from
        // dependencies/<build>/, even if a future pwsh happened to ship its own copy, because that is the point of
        // isolation.
        private static readonly string[] s_platformPrefixes =
        {
            "System.", "Microsoft.Bcl.", "Microsoft.Win32.", "Microsoft.CSharp", "Microsoft.VisualBasic",
        };

        private static readonly HashSet<string> s_platformNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "System", "netstandard", "mscorlib", "WindowsBase",
        };

        private readonly string _directory;
        private readonly Dictionary<string, string> _platformAssemblies;
        private readonly Dictionary<string, Version?> _platformVersions = new Dictionary<string, Version?>(StringComparer.OrdinalIgnoreCase);

        internal DependencyLoadContext(string directory)
        {
            _directory = directory;
            _platformAssemblies = ReadTrustedPlatformAssemblies();
        }

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            if (assemblyName.Name is null || IsProvidedByPlatform(assemblyName))
            {
                return null; // the default context answers
            }

            string? path = DependencyResolver.FindDependency(assemblyName);
            return path is null ? null : LoadFromAssemblyPath(path);
        }

        internal bool IsProvidedByPlatform(AssemblyName name)
        {
            string simpleName = name.Name!;
            bool candidate = s_platformNames.Contains(simpleName);
            foreach (string prefix in s_platformPrefixes)
            {
                candidate |= simpleName.StartsWith(prefix, StringComparison.OrdinalIgnoreCase);
            }

            if (!candidate || !_platformAssemblies.TryGetValue(simpleName, out string? path))
            {
                return false;
            }

            Version? platformVersion;
            lock (_platformVersions)
            {
                if (!_platformVersions.TryGetValue(simpleName, out platformVersion))
                {
                    platformVersion = ReadVersion(path);
                    _platformVersions[simpleName] = platformVersion;
                }
            }

            return platformVersion != null && (name.Version is null || platformVersion >= name.Version);
        }

        private static Version? ReadVersion(string path)
        {
            try
            {
                return AssemblyName.GetAssemblyName(path).Version;
            }
            catch (Exception ex) when (ex is IOException || ex is BadImageFormatException || ex is UnauthorizedAccessException)
            {
                return null;
            }
        }

        private static Dictionary<string, string> ReadTrustedPlatformAssemblies()
        {
            var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string list)
            {
                foreach (string path in list.Split(new[] { Path.PathSeparator }, StringSplitOptions.RemoveEmptyEntries))
                {
                    string name = Path.GetFileNameWithoutExtension(path);
                    if (!result.ContainsKey(name))
                    {
                        result[name] = path;
                    }
                }
            }

            return result;
        }
    }
}
