"""Deputy inquiries: drafting the official letter from appeals, its documents, and the answer."""
