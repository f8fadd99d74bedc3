"""Modules: frozen equinox pytrees that hold States."""

from ._module import Module as Module
