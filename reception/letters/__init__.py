"""The letters an appeal produces: the written answer, the notice of extension, the forwarding letter and its
copy-notice to the citizen; numbered in the branch's outgoing register, stored, served."""
