"""The admin console's shared components: its frame and navigation, tables, filters and widgets."""
