"""Components the pages share: the page frame (`layout`, `shell`, `navigation`), form parts,
links, the site's page list (`catalogue`), the customer pages' pager (`paging`) and money
(`money`); `admin/` holds the console's frame, tables and widgets. No State lives here but what
a widget needs of a shared base state."""
