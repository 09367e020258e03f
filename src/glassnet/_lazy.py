"""Names of a package imported on first use (PEP 562), the pattern of scientific Python's
SPEC 1 (``lazy_loader``): ``import glassnet`` reads only what the tutorial's program needs,
and ``glassnet.datasets.imdb`` or ``glassnet.layers.Conv1D`` import their module when a
program first names them.

    __getattr__, __dir__ = attach(__name__, {"Dense": ".dense", "datasets": ".datasets"})

A value ``".dense"`` imports that module and takes the attribute of the same name from it,
or is the module itself when its last part is the name (``"datasets": ".datasets"``);
``(".ops.array", "range")`` names the attribute explicitly. The imported value is stored in
the package, so each name costs one lookup, once.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys


def attach(package: str, names: dict[str, str | tuple[str, str]]):
    """``(__getattr__, __dir__)`` for ``package`` resolving ``names`` on first use."""
    module = sys.modules[package]

    def __getattr__(name: str):
        try:
            target = names[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        where, attr = target if isinstance(target, tuple) else (target, name)
        source = importlib.import_module(where, module.__package__)
        value = source if where.rpartition(".")[2] == attr else getattr(source, attr)
        setattr(module, name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(module), *names})

    return __getattr__, __dir__


def module(name: str):
    """The module ``name``, loaded on its first attribute access (``importlib``'s
    ``LazyLoader``): for a module another one uses only inside its functions, as model.py
    uses ``losses`` and ``metrics`` at ``compile`` and ``callbacks`` at ``fit``, so that
    ``import glassnet`` does not compile them."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    lazy = importlib.util.module_from_spec(spec)
    sys.modules[name] = lazy
    spec.loader.exec_module(lazy)
    return lazy


def alias_package(alias: str, target: str) -> None:
    """Make ``import alias.x.y`` give the module ``target.x.y`` itself (one copy, one set of
    classes), whenever it is first imported: ``from glassnet.keras.layers import Dense`` and
    ``from glassnet.layers import Dense`` are the same class."""
    sys.meta_path.insert(0, _Alias(alias, target))


class _Alias:
    """A meta-path finder and loader whose modules are other modules, already imported."""

    def __init__(self, alias: str, target: str):
        self.prefix, self.target = alias + ".", target

    def find_spec(self, fullname: str, path=None, target=None):
        if not fullname.startswith(self.prefix):
            return None
        real = self.target + "." + fullname[len(self.prefix):]
        if importlib.util.find_spec(real) is None:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        real = self.target + "." + spec.name[len(self.prefix):]
        module = importlib.import_module(real)
        # modules it registered itself (Keras 2's ``utils.np_utils``, see ``legacy``): a
        # module that is not a package has no path for the import system to search
        for name in [n for n in sys.modules if n.startswith(real + ".")]:
            sys.modules.setdefault(self.prefix + name[len(self.target) + 1:], sys.modules[name])
        return module

    def exec_module(self, module) -> None:
        """The module ran when ``create_module`` imported it under its own name."""
