"""Operations that touch the database: thin functions over the stored documents."""
